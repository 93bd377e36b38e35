"""Settings of the voting service (environment variables, see the README's table)."""

from __future__ import annotations

from pydantic import Field

from agora_kit.settings import Port, ServiceSettings


class VotingSettings(ServiceSettings):
    grpc_port: Port = 50053
    metrics_port: Port = 9103
    voting_database: str = "agora_voting"
    # Threads owns phases: asked when a session is created or opened (services/voting/phases.py).
    threads_addr: str = "127.0.0.1:50052"
    # How often a replica looks for closes a stopped replica left half done.
    close_resume_seconds: float = Field(default=30.0, ge=0.1, le=3600)
