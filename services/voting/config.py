"""Settings of the voting service (environment variables, see the README's table)."""

from __future__ import annotations

from agora_kit.settings import Port, ServiceSettings


class VotingSettings(ServiceSettings):
    grpc_port: Port = 50053
    metrics_port: Port = 9103
    voting_database: str = "agora_voting"
    # Threads owns phases: asked when a session is created or opened (services/voting/phases.py).
    threads_addr: str = "127.0.0.1:50052"
