"""Service configuration from the environment, refused at start-up when wrong.

Every service subclasses `ServiceSettings`; `load_settings` turns a validation error into
a one-line-per-problem message and a non-zero exit, so a mistyped URL is found when the
process starts, not at the first request.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Port = Annotated[int, Field(ge=1, le=65535)]


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class ServiceSettings(BaseSettings):
    """Settings every service process needs."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    agora_env: Environment = Environment.DEVELOPMENT
    log_level: str = "INFO"
    grpc_host: str = "127.0.0.1"
    grpc_port: Port = 50051
    metrics_port: Port = 9464
    mongo_uri: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    nats_url: str = "nats://127.0.0.1:4222"
    # JetStream servers holding each stream: 1 locally, 3 in a production cluster.
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    shutdown_grace_seconds: float = Field(default=10.0, gt=0, le=300)
    # How long MongoDB or NATS may stay silent before health turns NOT_SERVING.
    dependency_grace_seconds: float = Field(default=6.0, ge=1, le=300)
    # A replica that has not renewed its heartbeat for this long is taken for dead, and
    # its open transactions are ended (agora_kit/instances.py).
    instance_lapse_seconds: float = Field(default=5.0, ge=1, le=60)
    otel_exporter_otlp_endpoint: str | None = None

    @field_validator("mongo_uri")
    @classmethod
    def _mongo_scheme(cls, value: str) -> str:
        if not value.startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("must start with mongodb:// or mongodb+srv://")
        return value

    @field_validator("nats_url")
    @classmethod
    def _nats_scheme(cls, value: str) -> str:
        for url in value.split(","):
            if not url.strip().startswith(("nats://", "tls://")):
                raise ValueError("must be nats:// or tls:// URLs, comma-separated")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def describe_errors(error: ValidationError) -> str:
    """One line per invalid or missing variable, named as it is set in the environment."""
    lines = []
    for item in error.errors():
        name = "_".join(str(part) for part in item["loc"]).upper() or "(settings)"
        lines.append(f"  {name}: {item['msg']} (got {item.get('input')!r})")
    return "\n".join(lines)


def load_settings(cls: type[SettingsT], service: str) -> SettingsT:
    """Read settings or stop the process with a clear message (exit status 2)."""
    try:
        return cls()
    except ValidationError as error:
        sys.stderr.write(f"{service}: invalid configuration, refusing to start:\n")
        sys.stderr.write(describe_errors(error) + "\n")
        raise SystemExit(2) from None
