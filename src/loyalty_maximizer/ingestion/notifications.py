"""What the curator (and, when knowledge changed, travellers) are told about a run.

The curator hears about every document: ingested (how many facts of which kinds), or
quarantined or rejected (at which stage, why, and where the file now is). When a document
was ingested, the traveller topic gets a short "knowledge updated" message whose message
attributes let subscribers filter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from loyalty_maximizer.ingestion.outcomes import RunSummary, failure_of
from loyalty_maximizer.ingestion.run import RunDocument

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef

Event = Literal["ingested", "quarantined", "rejected"]
Audience = Literal["curator", "traveller"]
SUBJECT_CHARS = 100  # SNS: at most 100 printable ASCII characters, one line
_NOT_PRINTABLE = re.compile(r"[^\x20-\x7e]+")


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    attributes: dict[str, str | int] = field(default_factory=dict)


class NotifyRequest(BaseModel):
    """What the state machine asks the notifier: ``{"audience", "event", "report"}``.

    Without a report (the step that writes it failed), the run's ``document`` and
    ``error`` still say which document it was and why it stopped."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    audience: Audience = "curator"
    event: Event
    report: RunSummary | None = None
    document: RunDocument | None = None
    error: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _says_which_document(self) -> NotifyRequest:
        if self.report is None and (self.document is None or self.event == "ingested"):
            raise ValueError("a notification needs the run's report")
        return self

    def summary(self) -> RunSummary:
        if self.report is not None:
            return self.report
        assert self.document is not None  # the validator saw to it
        stage, reason = failure_of(self.error, {})
        return RunSummary(
            run_id=self.document.run_id,
            document_id=self.document.document_id,
            source=self.document.source_url,
            status="quarantined",
            stage=stage,
            reason=reason,
            error=str(self.error.get("Error")) if self.error else None,
        )


def curator_message(event: Event, summary: RunSummary) -> Message:
    """The curator's message about one document."""
    document = summary.document_id
    lines = [f"Document: {document}", f"Uploaded as: {summary.source}"]
    if event == "ingested":
        subject = f"Ingested {document}: {summary.facts} facts"
        lines.append("Outcome: ingested")
        lines.append(f"Facts: {summary.facts}")
        lines += [f"  {kind}: {count}" for kind, count in summary.facts_by_type.items()]
        if summary.nodes is not None and summary.edges is not None:
            lines.append(f"Graph build: {summary.nodes} nodes, {summary.edges} edges")
    else:
        verb = "Rejected" if event == "rejected" else "Quarantined"
        subject = f"{verb} {document}: {summary.reason or 'see the report'}"
        lines.append(f"Outcome: {event} at {summary.stage or 'an unknown stage'}")
        lines.append(f"Reason: {summary.reason or 'not given'}")
        if summary.error:
            lines.append(f"Error: {summary.error}")
    if summary.moved_to:
        lines.append(f"The file is now at: {summary.moved_to}")
    if event != "ingested":
        lines.append("Fix the file and upload it again under raw/.")
    if summary.report:
        lines.append(f"Run report: {summary.report}")
    if summary.run_id:
        lines.append(f"Run: {summary.run_id}")
    attributes: dict[str, str | int] = {"event": event, "documentId": document}
    return Message(_subject(subject), "\n".join(lines) + "\n", attributes)


def traveller_message(summary: RunSummary) -> Message:
    """The short "knowledge updated" broadcast after a document was ingested."""
    kinds = ", ".join(kind for kind in summary.facts_by_type if kind != "passage") or "passages"
    body = (
        f"The loyalty knowledge base was updated from {summary.document_id}: "
        f"{summary.facts} facts ({kinds}). Answers now use them.\n"
    )
    attributes: dict[str, str | int] = {
        "event": "knowledge_updated",
        "documentId": summary.document_id,
        "facts": summary.facts,
    }
    return Message(_subject("Loyalty knowledge updated"), body, attributes)


def publish(sns: SNSClient, topic_arn: str, message: Message) -> str:
    """Publish to a topic; the message id."""
    attributes: dict[str, MessageAttributeValueTypeDef] = {
        name: (
            {"DataType": "Number", "StringValue": str(value)}
            if isinstance(value, int)
            else {"DataType": "String", "StringValue": value}
        )
        for name, value in message.attributes.items()
        if value != ""
    }
    answer = sns.publish(
        TopicArn=topic_arn,
        Subject=message.subject,
        Message=message.body,
        MessageAttributes=attributes,
    )
    return answer["MessageId"]


def notify(
    sns: SNSClient,
    event: Event,
    summary: RunSummary,
    *,
    audience: Audience = "curator",
    curator_topic: str,
    traveller_topic: str | None = None,
) -> dict[str, str]:
    """Tell the curator (the curator's audience), and after an ingestion travellers (when
    there is a topic). ``{"curator"?: messageId, "traveller"?: messageId}``."""
    sent: dict[str, str] = {}
    if audience == "curator":
        sent["curator"] = publish(sns, curator_topic, curator_message(event, summary))
    if event == "ingested" and traveller_topic:
        sent["traveller"] = publish(sns, traveller_topic, traveller_message(summary))
    return sent


def _subject(text: str) -> str:
    """One line of printable ASCII, at most 100 characters (accents folded, not dropped)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    line = " ".join(_NOT_PRINTABLE.sub(" ", folded).split())
    if len(line) > SUBJECT_CHARS:
        line = line[: SUBJECT_CHARS - 3].rstrip() + "..."
    return line or "Loyalty ingestion"
