"""cfn-lint findings as "file:line:col: code message" lines."""

from __future__ import annotations

from pathlib import Path

from lamina.config.validate import validate_template

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "templates"


def test_validate_template_clean_sam_template_has_no_findings() -> None:
    assert validate_template(TEMPLATES / "sam_implicit_rest") == []


def test_validate_template_reports_error_with_file_line_and_code(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      Handler: app.handler\n"
        "      Role: arn:aws:iam::123456789012:role/r\n"
        "      Code: {ZipFile: 'x'}\n"
        "      Bogus: 1\n"
    )
    assert validate_template(tmp_path) == [
        f"{path}:9:7: E3002 Additional properties are not allowed ('Bogus' was unexpected)"
    ]
