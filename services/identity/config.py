"""Settings of the identity service."""

from __future__ import annotations

from agora_kit.settings import Port, ServiceSettings


class IdentitySettings(ServiceSettings):
    grpc_port: Port = 50051
    metrics_port: Port = 9101
    identity_database: str = "agora_identity"
