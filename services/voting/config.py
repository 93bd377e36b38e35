"""Settings of the voting service (environment variables, see the README's table)."""

from __future__ import annotations

from pydantic import Field

from agora_kit.settings import Port, ServiceSettings


class VotingSettings(ServiceSettings):
    grpc_port: Port = 50053
    metrics_port: Port = 9103
    voting_database: str = "agora_voting"
    # Pause between flipping a session to closed and reading its ballots for the final
    # results: longer than a ballot transaction's bounded attempts take to finish.
    voting_close_settle_seconds: float = Field(default=2.0, ge=0, le=60)
