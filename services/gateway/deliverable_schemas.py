"""Public JSON shapes of the deliverable: its generation job and its versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from agora.v1 import synthesis_pb2
from services.gateway.schemas import PLAIN, Input, Language

FileFormat = Literal["markdown", "pdf", "json", "csv"]
StepAfter = Annotated[str, StringConstraints(max_length=2000, pattern=PLAIN)]


class DeliverableRequest(Input):
    step_after: StepAfter | None = Field(
        default=None, description="What will be done with the deliverable; required when "
                                  "the consultation does not say it (its `step_after`).")
    language: Language | None = Field(
        default=None, description="The language to write it in: one of the consultation's "
                                  "languages (default: its first). Participants' arguments "
                                  "are shown translated into it, a person's correction "
                                  "winning over the machine's, their originals beside.")


class DeliverableJobPublic(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: int = Field(ge=0, le=100)
    stage: str
    version: int | None = Field(description="The version produced, once done.")
    version_url: str | None
    error: str | None
    attempts: int
    language: str = Field(description="The language of the version it produces.")
    created_at: datetime

    @classmethod
    def of(cls, job: synthesis_pb2.DeliverableJob) -> DeliverableJobPublic:
        url = (f"/v1/consultations/{job.consultation_id}/deliverables/{job.version}"
               if job.version else None)
        return cls(id=job.id, status=job.status,  # type: ignore[arg-type]
                   progress=job.progress, stage=job.stage, version=job.version or None,
                   version_url=url, error=job.error or None, attempts=job.attempts,
                   language=job.language,
                   created_at=job.created_at.ToDatetime(tzinfo=UTC))


class DeliverableFilePublic(BaseModel):
    format: FileFormat
    media_type: str
    size: int
    sha256: str
    url: str


class DeliverablePublic(BaseModel):
    number: int
    step_after: str
    language: str = Field(description="The language it is written in (\"\" for a version "
                                      "generated before deliverables had one).")
    recommendations: int
    generated_at: datetime
    files: list[DeliverableFilePublic]

    @classmethod
    def of(cls, d: synthesis_pb2.Deliverable) -> DeliverablePublic:
        base = f"/v1/consultations/{d.consultation_id}/deliverables/{d.number}"
        return cls(number=d.number, step_after=d.step_after, language=d.language,
                   recommendations=d.recommendations,
                   generated_at=d.generated_at.ToDatetime(tzinfo=UTC),
                   files=[DeliverableFilePublic(
                       format=f.format, media_type=f.media_type,  # type: ignore[arg-type]
                       size=f.size, sha256=f.sha256, url=f"{base}/{f.format}")
                       for f in d.files])


class DeliverablesPage(BaseModel):
    items: list[DeliverablePublic]
    next_cursor: str | None
