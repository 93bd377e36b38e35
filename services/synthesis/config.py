"""Settings of the synthesis service."""

from __future__ import annotations

from pydantic import Field

from agora_kit.settings import Port, ServiceSettings


class SynthesisSettings(ServiceSettings):
    grpc_port: Port = 50055
    metrics_port: Port = 9105
    synthesis_database: str = "agora_synthesis"
    # Threads owns posts: asked for a post's original text when an extract is filed.
    threads_addr: str = "127.0.0.1:50052"
    # The order of exposure (exposure/): below this many reactions a post counts as new
    # and is offered first; the simulation on the Pol.is conversations used 10.
    exposure_min_reactions: int = Field(default=10, ge=1, le=1000)
    # Voting owns vote sessions: asked for a closed session's proposals (deliverable/votes.py).
    voting_addr: str = "127.0.0.1:50053"
    # Translation serves posts' texts in a deliverable's language (deliverable/translations.py).
    translation_addr: str = "127.0.0.1:50054"
    # The deliverable's job: its lease (renewed while it runs; a crashed holder's expires),
    # and how often every replica looks for jobs whose lease nobody renews.
    deliverable_lease_seconds: float = Field(default=30.0, ge=1.0, le=3600)
    deliverable_resume_seconds: float = Field(default=10.0, ge=0.1, le=3600)
    # Opinion maps: recomputed after reactions at most once per this many seconds per
    # consultation, looked for this often.
    opinion_debounce_seconds: float = 10.0
    opinion_check_seconds: float = 5.0
