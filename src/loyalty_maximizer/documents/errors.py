"""Why a document could not be prepared: the reason goes to the curator, who fixes the file
and uploads it again, and the pipeline quarantines the original."""

from __future__ import annotations

from typing import Any

from loyalty_maximizer.errors import LoyaltyError


class DocumentRejected(LoyaltyError):
    """A document that cannot become blocks. ``reason`` names the problem in the curator's
    terms (e.g. ``"empty file"``, ``"encrypted PDF: remove the password and upload again"``);
    ``document_id`` says which upload it was, when known."""

    code = "document_rejected"

    def __init__(self, reason: str, document_id: str | None = None) -> None:
        self.reason = reason
        self.document_id = document_id
        where = f"document {document_id!r}" if document_id else "document"
        super().__init__(f"{where} rejected: {reason}")

    def to_json(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": str(self),
                "document": self.document_id,
                "reason": self.reason,
            }
        }
