"""Settings of the synthesis service."""

from __future__ import annotations

from agora_kit.settings import Port, ServiceSettings


class SynthesisSettings(ServiceSettings):
    grpc_port: Port = 50055
    metrics_port: Port = 9105
    synthesis_database: str = "agora_synthesis"
    # Threads owns posts: asked for a post's original text when an extract is filed.
    threads_addr: str = "127.0.0.1:50052"
    # Opinion maps: recomputed after reactions at most once per this many seconds per
    # consultation, looked for this often.
    opinion_debounce_seconds: float = 10.0
    opinion_check_seconds: float = 5.0
