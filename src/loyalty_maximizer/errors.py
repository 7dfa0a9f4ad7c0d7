"""Domain errors: each says what was wrong and where, so a user can act on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class LoyaltyError(Exception):
    """Base of the errors this library raises on purpose."""

    code = "error"

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": str(self)}}


class InvalidRequest(LoyaltyError):
    """A tool request that cannot be answered as asked (exit status 2 in the CLI)."""

    code = "invalid_request"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": str(self), "field": self.field}}


class Forbidden(LoyaltyError):
    """A caller asked for data that is not its own."""

    code = "forbidden"


@dataclass(frozen=True)
class FactIssue:
    """One problem with one line of a facts file."""

    file: str
    line: int
    field: str | None
    message: str
    record: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class FactsValidationError(LoyaltyError):
    """Facts that failed validation; nothing was loaded."""

    code = "invalid_facts"

    def __init__(self, issues: list[FactIssue]) -> None:
        self.issues = issues
        shown = "\n".join(str(i) for i in issues[:20])
        more = f"\n... and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(
            f"{len(issues)} invalid fact record(s); nothing was loaded:\n{shown}{more}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": f"{len(self.issues)} invalid fact record(s); nothing was loaded",
                "errors": [i.to_json() for i in self.issues],
            }
        }
