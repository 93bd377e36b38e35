"""Settings of the threads service (environment variables, see the README's table)."""

from __future__ import annotations

from pydantic import Field

from agora_kit.settings import Port, ServiceSettings


class ThreadsSettings(ServiceSettings):
    grpc_port: Port = 50052
    metrics_port: Port = 9102
    threads_database: str = "agora_threads"
    post_max_chars: int = Field(default=10_000, ge=100, le=100_000)
    # How often the scheduler looks for phases the calendar made current, to announce
    # them (consultation.phase_changed); one replica does it, under a lease.
    phase_announce_seconds: float = Field(default=15.0, ge=0.1, le=3600)
