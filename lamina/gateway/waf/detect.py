"""SQL injection and cross-site scripting detection: ModSecurity running the OWASP CRS.

We do not write detection patterns. ModSecurity v3 (libmodsecurity, through its Python
bindings) runs the OWASP Core Rule Set's SQLi (942xxx, which includes libinjection's
@detectSQLi) and XSS (941xxx, with @detectXSS) rule files, vendored under `crs/` with their
licence. Each inspection is one ModSecurity transaction whose query arguments are the
component's elements; CRS's anomaly scoring (949) decides. Paranoia level 1 is AWS's LOW
sensitivity, level 2 its HIGH ("detects more attacks, but might generate more false
positives"). The choice and its measurements: docs/fidelity/gateway.md, "AWS WAF".
"""

from __future__ import annotations

import enum
import itertools
import re
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote_from_bytes

from libmodsecurity import ModSecurity, RuleMessage, RulesSet, Transaction

from lamina.core.error import LaminaError

_CRS = Path(__file__).with_name("crs")
_CACHE_ENTRIES = 10_000
_CACHEABLE_BYTES = 512
"""Inputs up to this size are remembered (at most ~5 MB per detector)."""
# 901 initialises CRS's variables; 949 turns the anomaly score into a block.
_SETUP = ("crs-setup.conf",)
_INIT = ("REQUEST-901-INITIALIZATION.conf",)
_BLOCK = ("REQUEST-949-BLOCKING-EVALUATION.conf",)


class RulesError(LaminaError):
    """The vendored rule files did not load (a broken install or a bad update of `crs/`)."""


class Attack(enum.Enum):
    SQLI = "REQUEST-942-APPLICATION-ATTACK-SQLI.conf"
    XSS = "REQUEST-941-APPLICATION-ATTACK-XSS.conf"
    JAVA = "REQUEST-944-APPLICATION-ATTACK-JAVA.conf"
    """Java deserialization and Log4Shell (KnownBadInputs)."""


class CrsDetector:
    """One attack class at one paranoia level: a loaded rule set, reused by every request."""

    def __init__(self, attack: Attack, paranoia: int, *, fold_defaults: bool = True) -> None:
        """`fold_defaults=False` loads REQUEST-901 as written (the reference the folded
        initialization is tested against)."""
        self.attack = attack
        self.paranoia = paranoia
        self._engine = ModSecurity()
        self._engine.set_connector_information("lamina-waf")
        self._matched: list[int] = []
        # Naming transactions ourselves: ModSecurity's generated ids cost ~0.1 ms each.
        self._ids = itertools.count(1)
        self._verdicts: OrderedDict[tuple[bytes, ...], tuple[int, ...] | None] = OrderedDict()
        self.last_rules: tuple[int, ...] = ()
        """The CRS rules behind the last detection (for the console)."""
        self._engine.set_rule_message_callback(self._on_message)
        self._rules = RulesSet()
        head = (
            "SecRuleEngine On\n"
            # The paranoia level crs-setup.conf leaves to its user (its rule 900000, commented out).
            'SecAction "id:900000,phase:1,pass,nolog,'
            f'setvar:tx.blocking_paranoia_level={paranoia}"\n'
        )
        self._load_text(head)
        for name in _SETUP:
            self._load_file(name)
        if fold_defaults:
            preset = _preset(head + (_CRS / _SETUP[0]).read_text(encoding="utf-8"))
            rules = (attack.value, *_BLOCK)
            read = _read(" ".join((_CRS / name).read_text(encoding="utf-8") for name in rules))
            self._load_text(compact_initialization(preset, read))
        else:
            self._load_file(_INIT[0])
        for name in (attack.value, *_BLOCK):
            self._load_file(name)

    def _load_file(self, name: str) -> None:
        if self._rules.load_from_uri(str(_CRS / name)) < 0:
            raise RulesError(f"CRS {name}: {self._rules.get_parser_error()}")

    def _load_text(self, text: str) -> None:
        if self._rules.load(text) < 0:
            raise RulesError(f"CRS setup: {self._rules.get_parser_error()}")

    def _on_message(self, message: RuleMessage) -> None:
        self._matched.append(message.rule_id)

    def detect(self, elements: Sequence[bytes]) -> tuple[int, ...] | None:
        """The CRS rule ids that fired when `elements` score as an attack, else None.

        A verdict depends on the elements alone, so short inputs seen before (the same
        path, the same query argument: most traffic repeats) are answered from a bounded
        cache instead of a new ModSecurity transaction.
        """
        key = tuple(element for element in elements if element)
        if not key:  # nothing to inspect: no transaction
            return None
        cacheable = sum(map(len, key)) <= _CACHEABLE_BYTES
        if cacheable and key in self._verdicts:
            self._verdicts.move_to_end(key)
            found = self._verdicts[key]
        else:
            found = self._inspect(key)
            if cacheable:
                self._verdicts[key] = found
                if len(self._verdicts) > _CACHE_ENTRIES:
                    self._verdicts.popitem(last=False)
        if found is not None:
            self.last_rules = found
        return found

    def _inspect(self, elements: tuple[bytes, ...]) -> tuple[int, ...] | None:
        """One ModSecurity transaction whose query arguments are `elements`."""
        self._matched.clear()
        query = "&".join(f"a{i}={quote_from_bytes(e, safe=b'')}" for i, e in enumerate(elements))
        transaction = Transaction(self._engine, self._rules, str(next(self._ids)))
        transaction.process_connection("127.0.0.1", 0, "127.0.0.1", 0)
        transaction.process_uri(f"/?{query}", "GET", "1.1")
        transaction.process_request_headers()
        transaction.process_request_body()
        intervention = transaction.intervention()
        if intervention is None or not intervention.disruptive:
            return None
        # 949110 is the scoring rule itself; the others say what was found.
        return tuple(dict.fromkeys(i for i in self._matched if i < 949000)) or (949110,)


# A 901 default: `SecRule &TX:name "@eq 0" "id:...,phase:1,pass,nolog,...,setvar:..."`.
_DEFAULT = re.compile(r'^SecRule &TX:(\w+) "@eq 0"\s+"(id:\d+,.*)"$', re.DOTALL)
_SECACTION = re.compile(r'^SecAction\s+"(id:\d+,.*)"$', re.DOTALL)
_SETVAR = re.compile(r"^setvar:'(tx\.\w+=[^']*)'$")
_INERT = re.compile(r"^(id:\d+|phase:1|pass|nolog|t:none|tag:'[^']*'|ver:'[^']*')$")


def _statements(text: str) -> list[str]:
    """The directives of a SecLang file, each joined from its continuation lines."""
    out: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current.append(line.rstrip()[:-1].strip())
            continue
        current.append(line.strip())
        out.append(" ".join(current))
        current = []
    return out


def _setvars(actions: str) -> list[str] | None:
    """The setvars of a rule that does nothing else (no log, no chain, no ctl), else None."""
    setvars = []
    for action in (a.strip() for a in actions.split(",")):
        setvar = _SETVAR.match(action)
        if setvar is not None:
            setvars.append(setvar.group(1))
        elif _INERT.match(action) is None:
            return None
    return setvars


def _preset(text: str) -> frozenset[str]:
    """The TX variables `text` (our head and crs-setup.conf) sets."""
    names = re.findall(r"setvar:'?tx\.(\w+)=", "\n".join(_statements(text)), re.IGNORECASE)
    return frozenset(name.lower() for name in names)


def _read(text: str) -> frozenset[str]:
    """The TX variables `text` mentions (reads, writes, messages: a superset of its reads).
    The CRS files loaded here name their TX variables one by one (no `TX` collection or
    `TX:/regex/` selectors), so a variable they do not mention is one they never read."""
    return frozenset(name.lower() for name in re.findall(r"\btx[.:](\w+)", text, re.IGNORECASE))


def compact_initialization(preset: frozenset[str], read: frozenset[str] | None = None) -> str:
    """REQUEST-901-INITIALIZATION with its run of defaults folded into one SecAction.

    901 sets each CRS variable the setup left unset, one rule per variable; ModSecurity
    spends ~2 µs on every rule that matches, so those ~30 rules were a third of a
    transaction. With our fixed setup (`preset`) each such rule either always fires or
    never does, so one SecAction with the setvars of those that fire, in their order,
    leaves the same TX variables. Every other directive is kept as written.

    With `read` (the TX variables the rules loaded after 901 mention), the folded setvars
    are only those of variables these rules or the kept 901 directives can read: setting
    the others (outbound scores, the protocol-enforcement lists of rule files not loaded)
    cannot change a decision.
    """
    text = (_CRS / _INIT[0]).read_text(encoding="utf-8")
    kept: list[str] = []
    merged: list[str] = []
    first_id = ""
    for statement in _statements(text):
        default = _DEFAULT.match(statement)
        action = _SECACTION.match(statement)
        setvars = None
        if default is not None:
            setvars = _setvars(default.group(2))
            if setvars is not None and default.group(1).lower() in preset:
                continue  # never fires: the setup set it
        elif action is not None:
            setvars = _setvars(action.group(1))
        if setvars is None:
            kept.append(statement)
            continue
        if not merged:
            first_id = statement.split("id:", 1)[1].split(",", 1)[0]
            kept.append("")  # the SecAction's place, at the first default
        merged.extend(setvars)
    if read is not None:
        merged = _needed(merged, read | _read("\n".join(kept)))
    if not merged:
        return "\n".join(line for line in kept if line)
    folded = ",".join(f"setvar:'{setvar}'" for setvar in merged)
    kept[kept.index("")] = f'SecAction "id:{first_id},phase:1,pass,nolog,{folded}"'
    return "\n".join(kept)


def _needed(setvars: list[str], read: frozenset[str]) -> list[str]:
    """The setvars of variables in `read`, and of those their values read (macros)."""
    while True:
        needed = [s for s in setvars if s[3:].split("=", 1)[0].lower() in read]
        more = read | _read(" ".join(s.split("=", 1)[1] for s in needed))
        if more == read:
            return needed
        read = more


class Detectors:
    """The detectors a gateway shares across web ACLs, each loaded on first use (loading
    the rule files takes tens of milliseconds)."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[Attack, int], CrsDetector] = {}

    def get(self, attack: Attack, paranoia: int) -> CrsDetector:
        key = (attack, paranoia)
        detector = self._loaded.get(key)
        if detector is None:
            detector = self._loaded[key] = CrsDetector(attack, paranoia)
        return detector
