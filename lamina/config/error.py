"""The error every template problem becomes: it names the file, the line and the resource."""

from __future__ import annotations

from lamina.core.error import LaminaError


class ConfigError(LaminaError):
    """A template that cannot be turned into an Application.

    `str(error)` reads like a compiler message:
    ``template.yaml:12: resource HelloFunction: Handler is required``.
    Code deep in the resolver raises it with the detail only; the caller that knows which
    resource it was working on adds the place with `located`.
    """

    def __init__(
        self,
        detail: str,
        *,
        file: str | None = None,
        line: int | None = None,
        logical_id: str | None = None,
    ) -> None:
        self.detail = detail
        self.file = file
        self.line = line
        self.logical_id = logical_id
        super().__init__(self._render())

    def _render(self) -> str:
        place = ""
        if self.file is not None:
            place = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        who = f"resource {self.logical_id}: " if self.logical_id else ""
        return f"{place}{who}{self.detail}"

    def located(
        self, *, file: str, line: int | None = None, logical_id: str | None = None
    ) -> ConfigError:
        """A copy that names the place, keeping whatever place was already known."""
        return ConfigError(
            self.detail,
            file=self.file or file,
            line=self.line or line,
            logical_id=self.logical_id or logical_id,
        )
