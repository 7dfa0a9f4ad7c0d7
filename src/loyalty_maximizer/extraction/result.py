"""What every extractor returns, whichever reads the page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from loyalty_maximizer.documents.model import PreparedDocument
from loyalty_maximizer.facts.models import FactModel, WebSourceDocument


@dataclass
class Extraction:
    facts: list[FactModel] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Model extractors count tokens here (e.g. "inputTokens"); the offline one uses none.
    usage: dict[str, int] = field(default_factory=dict)

    @property
    def confidence(self) -> float:
        # The document's own record is written for every page: it is not a finding.
        if all(isinstance(f, WebSourceDocument) for f in self.facts):
            return 0.0
        return round(max(0.3, 1.0 - 0.1 * len(self.warnings)), 2)


def source_document_record(document: PreparedDocument) -> WebSourceDocument:
    """The webSourceDocument record of the page the facts come from."""
    return WebSourceDocument(
        document_id=document.document_id,
        document_type=document.document_type,
        source_url=document.source_url,
        title=document.title,
        retrieved_date=dt.date.fromisoformat(document.retrieved_date)
        if document.retrieved_date
        else None,
    )
