"""Settings of the voting service (environment variables, see the README's table)."""

from __future__ import annotations

from agora_kit.settings import Port, ServiceSettings


class VotingSettings(ServiceSettings):
    grpc_port: Port = 50053
    metrics_port: Port = 9103
    voting_database: str = "agora_voting"
