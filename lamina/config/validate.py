"""`validate_template`: cfn-lint's findings, one "file:line:col: Ecode message" line each.

cfn-lint is imported only when validating; it is slow to import and `lamina up` skips it.
https://github.com/aws-cloudformation/cfn-lint
"""

from __future__ import annotations

import os

from lamina.config.document import find_template


def validate_template(path: str | os.PathLike[str]) -> list[str]:
    """cfn-lint's findings for the template at `path` (file or folder); [] when clean."""
    from cfnlint.api import lint_file

    template = find_template(path)
    matches = lint_file(template)
    return [
        f"{template}:{match.linenumber}:{match.columnnumber}: {match.rule.id} {match.message}"
        for match in sorted(matches, key=lambda m: (m.linenumber, m.columnnumber, m.rule.id))
    ]
