import click
import pytest

from lamina.cli.params import parse_overrides


def test_parse_overrides_accepts_both_sam_forms() -> None:
    text = 'A=1 B="two words" ParameterKey=C,ParameterValue=3'
    assert parse_overrides(text) == {"A": "1", "B": "two words", "C": "3"}


@pytest.mark.parametrize("text", ["novalue", "=x", "ParameterKey=A,Value=1"])
def test_parse_overrides_rejects_malformed_tokens(text: str) -> None:
    with pytest.raises(click.BadParameter):
        parse_overrides(text)
