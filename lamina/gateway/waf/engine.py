"""Evaluate a web ACL: rules by priority, the first Allow or Block ends it, Count rules only
count, and the default action decides when no rule terminates.

    WebAcl --compile_acl--> CompiledAcl (matchers) --evaluate(view)--> Verdict

https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing-order.html
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-action.html
"""

from __future__ import annotations

import ipaddress
import re
from collections import OrderedDict
from collections.abc import Callable, Sequence

from lamina.gateway.waf.detect import Attack, Detectors
from lamina.gateway.waf.field import InvalidJson, Oversize, RequestView, component
from lamina.gateway.waf.managed import (
    LABEL_NAMESPACES,
    LOG4SHELL_RULES,
    MANAGED_GROUPS,
    JavaMatchStatement,
    label_of,
)
from lamina.gateway.waf.model import (
    AndStatement,
    ByteMatchStatement,
    FieldToMatch,
    IpSetReferenceStatement,
    LabelMatchStatement,
    ManagedRuleGroupStatement,
    NotStatement,
    OrStatement,
    RateBasedStatement,
    RegexMatchStatement,
    Rule,
    SizeConstraintStatement,
    SqliMatchStatement,
    Statement,
    TextTransformation,
    WebAcl,
    XssMatchStatement,
)
from lamina.gateway.waf.rate import RateCounts
from lamina.gateway.waf.transform import pipeline

Matcher = Callable[[RequestView], bool]
Test = Callable[[list[bytes]], bool]

_WORD = rb"[A-Za-z0-9_]"
_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "EQ": lambda a, b: a == b,
    "NE": lambda a, b: a != b,
    "LE": lambda a, b: a <= b,
    "LT": lambda a, b: a < b,
    "GE": lambda a, b: a >= b,
    "GT": lambda a, b: a > b,
}


class Verdict:
    """What the web ACL decided, and the rule names for the console."""

    __slots__ = ("action", "counted", "rule")

    def __init__(self, action: str, rule: str | None, counted: list[str]) -> None:
        self.action = action
        """Allow or Block."""
        self.rule = rule
        """The terminating rule (group/rule for a managed group); None for the default action."""
        self.counted = counted
        """Rules whose action was Count and that matched."""


class _Step:
    """One rule of the ACL, or one rule inside a managed group."""

    __slots__ = ("action", "labels", "matches", "name")

    def __init__(
        self, name: str, action: str, matches: Matcher, labels: tuple[str, ...] = ()
    ) -> None:
        self.name = name
        self.action = action
        self.matches = matches
        self.labels = labels
        """Fully qualified labels a match adds to the request, whatever the action."""


class _Group:
    """A managed rule group reference: its rules, its scope-down, and Count overrides."""

    __slots__ = ("count_only", "name", "scope", "steps")

    def __init__(
        self, name: str, steps: list[_Step], scope: Matcher | None, count_only: bool
    ) -> None:
        self.name = name
        self.steps = steps
        self.scope = scope
        self.count_only = count_only


_MEMO_ENTRIES = 4096
_MEMO_BYTES = 2048
"""Requests whose inspected inputs total up to this size have their outcome remembered
(at most ~8 MB per web ACL)."""


class _Outcome:
    """What evaluating one request produced: the verdict's fields, and the labels and
    detection notes it left on the view."""

    __slots__ = ("action", "counted", "labels", "notes", "rule")

    def __init__(self, verdict: Verdict, view: RequestView) -> None:
        self.action = verdict.action
        self.rule = verdict.rule
        self.counted = tuple(verdict.counted)
        self.labels = tuple(view.labels)
        self.notes = tuple(view.notes)

    def replay(self, view: RequestView) -> Verdict:
        view.labels.extend(self.labels)
        view.notes.extend(self.notes)
        return Verdict(self.action, self.rule, list(self.counted))


class _Inputs:
    """The request parts a web ACL's statements read."""

    def __init__(self) -> None:
        self.path = self.query = self.method = self.body = self.ip = False
        self.all_headers = False
        self.headers: set[bytes] = set()
        """Lowercase names of the headers read (when not all of them are)."""


class _Memo:
    """Outcomes by the request's inspected inputs (bounded LRU).

    Only for web ACLs whose every statement is a pure function of the request parts in
    `_Inputs` (no rate-based rule): the same inputs then give the same verdict, labels and
    notes, so a repeated request skips the rules and their detectors.
    """

    def __init__(self, inputs: _Inputs) -> None:
        self._inputs = inputs
        self._names = frozenset(inputs.headers)
        self._outcomes: OrderedDict[tuple[object, ...], _Outcome] = OrderedDict()

    def key(self, view: RequestView) -> tuple[object, ...] | None:
        """The inspected inputs, or None when they are too large to remember."""
        inputs = self._inputs
        if inputs.all_headers:
            headers = tuple(view.headers)
        elif self._names:
            names = self._names
            headers = tuple((k, v) for k, v in view.headers if k.lower() in names)
        else:
            headers = ()
        size = sum(len(k) + len(v) for k, v in headers)
        path = view.uri_path if inputs.path else b""
        query = view.query_string if inputs.query else b""
        body = view.body if inputs.body else b""
        size += len(path) + len(query) + len(body)
        if size > _MEMO_BYTES:
            return None
        method = view.method if inputs.method else b""
        ip = view.source_ip if inputs.ip else ""
        return (path, query, method, body, ip, headers)

    def get(self, key: tuple[object, ...]) -> _Outcome | None:
        outcome = self._outcomes.get(key)
        if outcome is not None:
            self._outcomes.move_to_end(key)
        return outcome

    def put(self, key: tuple[object, ...], outcome: _Outcome) -> None:
        self._outcomes[key] = outcome
        if len(self._outcomes) > _MEMO_ENTRIES:
            self._outcomes.popitem(last=False)


class CompiledAcl:
    def __init__(
        self, acl: WebAcl, entries: list[_Step | _Group], memo: _Memo | None = None
    ) -> None:
        self.acl = acl
        self._entries = entries
        self._memo = memo

    def evaluate(self, view: RequestView) -> Verdict:
        memo = self._memo
        if memo is None:
            return self._evaluate(view)
        key = memo.key(view)
        if key is None:
            return self._evaluate(view)
        outcome = memo.get(key)
        if outcome is None:
            verdict = self._evaluate(view)
            memo.put(key, _Outcome(verdict, view))
            return verdict
        return outcome.replay(view)

    def _evaluate(self, view: RequestView) -> Verdict:
        counted: list[str] = []
        for entry in self._entries:
            if isinstance(entry, _Step):
                if not entry.matches(view):
                    continue
                view.labels.extend(entry.labels)
                if entry.action == "Count":
                    counted.append(entry.name)
                    continue
                return Verdict(entry.action, entry.name, counted)
            verdict = _evaluate_group(entry, view, counted)
            if verdict is not None:
                return verdict
        return Verdict(self.acl.default_action, None, counted)


def _evaluate_group(group: _Group, view: RequestView, counted: list[str]) -> Verdict | None:
    if group.scope is not None and not group.scope(view):
        return None
    for step in group.steps:
        if not step.matches(view):
            continue
        view.labels.extend(step.labels)
        name = f"{group.name}/{step.name}"
        if step.action == "Count":
            counted.append(name)
            continue
        if group.count_only:
            # OverrideAction Count: the group's terminating match is only counted, and the
            # group stops there as it would have.
            # https://docs.aws.amazon.com/waf/latest/APIReference/API_OverrideAction.html
            counted.append(name)
            return None
        return Verdict(step.action, name, counted)
    return None


class Compiler:
    """Builds matchers; shares the detectors and the rate counter across ACLs."""

    def __init__(self, detectors: Detectors, rates: RateCounts) -> None:
        self._detectors = detectors
        self._rates = rates
        self._context = ""
        """The label namespace of the web ACL being compiled."""

    def compile_acl(self, acl: WebAcl) -> CompiledAcl:
        self._context = label_context(acl)
        entries: list[_Step | _Group] = []
        for rule in sorted(acl.rules, key=lambda r: r.priority):
            statement = rule.statement
            labels = tuple(self._context + label for label in rule.labels)
            if isinstance(statement, ManagedRuleGroupStatement):
                entries.append(self._group(rule, statement))
                continue
            if isinstance(statement, RateBasedStatement):
                matcher = self._rate(f"{acl.arn}#{rule.name}", statement)
            else:
                matcher = self.matcher(statement)
            entries.append(_Step(rule.name, rule.action or "Block", matcher, labels))
        return CompiledAcl(acl, entries, _memo_for(acl))

    def _group(self, rule: Rule, statement: ManagedRuleGroupStatement) -> _Group:
        steps = []
        namespace = LABEL_NAMESPACES[statement.name]
        for name, inner in MANAGED_GROUPS[statement.name]:
            action = statement.action_overrides.get(name, "Block")
            if name in statement.excluded_rules:
                action = "Count"
            label = (namespace + label_of(name),)
            steps.append(_Step(name, action, self.matcher(inner), label))
        scope = None if statement.scope_down is None else self.matcher(statement.scope_down)
        return _Group(statement.name, steps, scope, rule.override_action == "Count")

    def _rate(self, key: str, statement: RateBasedStatement) -> Matcher:
        scope = None if statement.scope_down is None else self.matcher(statement.scope_down)
        rates = self._rates

        def over_limit(view: RequestView) -> bool:
            if scope is not None and not scope(view):
                return False
            client = _aggregate_key(statement, view)
            if client is None:
                return False
            return rates.over_limit(key, client, statement.limit, statement.window_seconds)

        return over_limit

    def matcher(self, statement: Statement) -> Matcher:
        if isinstance(statement, AndStatement):
            parts = [self.matcher(s) for s in statement.statements]
            return lambda view: all(part(view) for part in parts)
        if isinstance(statement, OrStatement):
            parts = [self.matcher(s) for s in statement.statements]
            return lambda view: any(part(view) for part in parts)
        if isinstance(statement, NotStatement):
            inner = self.matcher(statement.statement)
            return lambda view: not inner(view)
        if isinstance(statement, IpSetReferenceStatement):
            return _ip_set(statement)
        if isinstance(statement, LabelMatchStatement):
            return _label_match(statement, self._context)
        return self._field_matcher(statement)

    def _field_matcher(self, statement: Statement) -> Matcher:
        if isinstance(statement, ByteMatchStatement):
            return _on_field(statement.field, statement.transformations, _byte_test(statement))
        if isinstance(statement, RegexMatchStatement):
            patterns = [re.compile(p.encode(), re.DOTALL) for p in statement.patterns]
            return _on_field(
                statement.field,
                statement.transformations,
                lambda items: any(p.search(i) for p in patterns for i in items),
            )
        if isinstance(statement, SizeConstraintStatement):
            compare, size = _COMPARE[statement.comparison], statement.size
            return _on_field(
                statement.field,
                statement.transformations,
                lambda items: any(compare(len(i), size) for i in items),
            )
        if isinstance(statement, SqliMatchStatement):
            paranoia = 2 if statement.sensitivity == "HIGH" else 1
            return self._detector_matcher(statement, Attack.SQLI, paranoia)
        if isinstance(statement, JavaMatchStatement):
            log4shell = statement.log4shell
            return self._detector_matcher(
                statement,
                Attack.JAVA,
                1,
                lambda rules: any((rule in LOG4SHELL_RULES) is log4shell for rule in rules),
            )
        if isinstance(statement, XssMatchStatement):
            return self._detector_matcher(statement, Attack.XSS, 1)
        raise TypeError(f"{type(statement).__name__} is only allowed at a rule's top level")

    def _detector_matcher(
        self,
        statement: SqliMatchStatement | XssMatchStatement,
        attack: Attack,
        paranoia: int,
        accept: Callable[[tuple[int, ...]], bool] = bool,
    ) -> Matcher:
        """`accept` narrows a detection to the CRS rules that fired (Log4Shell or not)."""
        detector = self._detectors.get(attack, paranoia)
        found: list[tuple[int, ...]] = []

        def test(items: list[bytes]) -> bool:
            rules = detector.detect(items)
            if rules is None or not accept(rules):
                return False
            found.append(rules)
            return True

        inspect = _on_field(statement.field, statement.transformations, test)

        def matches(view: RequestView) -> bool:
            found.clear()
            if not inspect(view):
                return False
            if found:  # (not when oversize handling decided the match)
                view.notes.append(f"CRS {','.join(map(str, found[-1]))}")
            return True

        return matches


def _on_field(
    field: FieldToMatch, transformations: Sequence[TextTransformation], test: Test
) -> Matcher:
    """Extract the component, transform each element, test them; the field's oversize and
    invalid-JSON handling may decide first. A request without the component does not match
    ("Unless otherwise noted, if a web request doesn't have the request component ... AWS
    WAF evaluates the request as not matching"). The matched value depends on nothing else.
    https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-fields-list.html
    """
    transform = pipeline(transformations)

    def matches(view: RequestView) -> bool:
        try:
            items = component(field, view)
        except (Oversize, InvalidJson) as decided:
            return decided.matches
        if not items:
            return False
        if transform is not None:
            items = [transform(item) for item in items]
        return test(items)

    return matches


def _byte_test(statement: ByteMatchStatement) -> Test:
    search = statement.search
    positional = statement.positional
    if positional == "EXACTLY":
        return lambda items: any(i == search for i in items)
    if positional == "STARTS_WITH":
        return lambda items: any(i.startswith(search) for i in items)
    if positional == "ENDS_WITH":
        return lambda items: any(i.endswith(search) for i in items)
    if positional == "CONTAINS":
        return lambda items: any(search in i for i in items)
    # CONTAINS_WORD: the string with no word character on either side.
    # https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-string-match.html
    word = re.compile(rb"(?<!" + _WORD + rb")" + re.escape(search) + rb"(?!" + _WORD + rb")")
    return lambda items: any(word.search(i) for i in items)


def label_context(acl: WebAcl) -> str:
    """`awswaf:{account}:webacl:{name}:`, the namespace of the web ACL's own rule labels.
    https://docs.aws.amazon.com/waf/latest/developerguide/waf-labels.html
    """
    account = acl.arn.split(":")[4] if acl.arn.count(":") >= 5 else ""
    return f"awswaf:{account}:webacl:{acl.name}:"


def _label_match(statement: LabelMatchStatement, context: str) -> Matcher:
    """LABEL: the label's name with any number of its namespaces before it, up to the fully
    qualified name; NAMESPACE: leading namespaces of the label. A key that is not fully
    qualified only finds labels added in the web ACL's own context."""
    key = statement.key
    if statement.scope == "LABEL":

        def names(label: str) -> bool:
            return label == key or (label.startswith(context) and label.endswith(":" + key))

        return lambda view: any(names(label) for label in view.labels)
    prefix = key if key.endswith(":") else key + ":"

    def in_namespace(label: str) -> bool:
        namespace = label[: label.rfind(":") + 1]
        if namespace.startswith(prefix):
            return True
        return namespace.startswith(context) and namespace[len(context) :].startswith(prefix)

    return lambda view: any(in_namespace(label) for label in view.labels)


class _Networks:
    """CIDR blocks, by prefix length: a lookup costs one set probe per distinct length, not
    one comparison per block (IP sets hold up to 10,000 addresses)."""

    def __init__(self, blocks: Sequence[str]) -> None:
        self._by_length: dict[tuple[int, int], set[int]] = {}
        for block in blocks:
            network = ipaddress.ip_network(block, strict=False)
            key = (network.version, network.prefixlen)
            shift = network.max_prefixlen - network.prefixlen
            self._by_length.setdefault(key, set()).add(int(network.network_address) >> shift)

    def __contains__(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        number = int(address)
        bits = address.max_prefixlen
        return any(
            number >> (bits - length) in starts
            for (version, length), starts in self._by_length.items()
            if version == address.version
        )


def _ip_set(statement: IpSetReferenceStatement) -> Matcher:
    networks = _Networks(statement.ip_set.addresses)
    header = statement.forwarded_header.lower().encode() if statement.forwarded_header else None
    fallback = statement.forwarded_fallback == "MATCH"

    def matches(view: RequestView) -> bool:
        if header is None:
            text = view.source_ip
        else:
            value = view.header(header)
            if value is None:
                return fallback
            text = value.split(b",", 1)[0].strip().decode("latin-1")
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return fallback if header is not None else False
        return address in networks

    return matches


def _aggregate_key(statement: RateBasedStatement, view: RequestView) -> str | None:
    if statement.aggregate == "CONSTANT":
        return ""
    if statement.aggregate == "FORWARDED_IP" and statement.forwarded_header:
        value = view.header(statement.forwarded_header.lower().encode())
        if value is None:
            return None
        return value.split(b",", 1)[0].strip().decode("latin-1")
    return view.source_ip


def _memo_for(acl: WebAcl) -> _Memo | None:
    """A memo keyed on the request parts `acl`'s statements read; None when a statement
    is not a pure function of them (a rate-based rule counts requests)."""
    inputs = _Inputs()
    for rule in acl.rules:
        if not _collect(rule.statement, inputs):
            return None
    return _Memo(inputs)


def _collect(statement: Statement, inputs: _Inputs) -> bool:
    """Note the request parts `statement` reads; False if it is not a pure function of them."""
    if isinstance(statement, RateBasedStatement):
        return False
    if isinstance(statement, (AndStatement, OrStatement)):
        return all(_collect(inner, inputs) for inner in statement.statements)
    if isinstance(statement, NotStatement):
        return _collect(statement.statement, inputs)
    if isinstance(statement, ManagedRuleGroupStatement):
        inner = [s for _, s in MANAGED_GROUPS[statement.name]]
        if statement.scope_down is not None:
            inner.append(statement.scope_down)
        return all(_collect(s, inputs) for s in inner)
    if isinstance(statement, LabelMatchStatement):
        return True  # labels come from earlier rules, whose inputs are in the key
    if isinstance(statement, IpSetReferenceStatement):
        inputs.ip = True
        if statement.forwarded_header:
            inputs.headers.add(statement.forwarded_header.lower().encode())
        return True
    if isinstance(
        statement,
        (
            ByteMatchStatement,
            RegexMatchStatement,
            SizeConstraintStatement,
            SqliMatchStatement,
            XssMatchStatement,
        ),
    ):
        _add_field(inputs, statement.field)
        return True
    return False  # a statement kind this memo does not know: never assume it is pure


def _add_field(inputs: _Inputs, field: FieldToMatch) -> None:
    kind = field.kind
    if kind == "UriPath":
        inputs.path = True
    elif kind in ("QueryString", "SingleQueryArgument", "AllQueryArguments"):
        inputs.query = True
    elif kind == "Method":
        inputs.method = True
    elif kind == "SingleHeader":
        inputs.headers.add(field.name.lower().encode())
    elif kind == "Cookies":
        inputs.headers.add(b"cookie")
    elif kind == "Headers":
        inputs.all_headers = True
    else:  # Body, JsonBody: the whole body (its length decides oversize handling)
        inputs.body = True
