"""Gateway settings, read from the environment and refused at start-up when wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from agora_kit.settings import Environment, Port, ServiceSettings

# Public by being in the source: fine for development and tests, refused in production.
DEVELOPMENT_AUTHOR_KEY_SECRET = "agora development author keys, never in production"


class GatewaySettings(ServiceSettings):
    gateway_host: str = "127.0.0.1"
    gateway_port: Port = 8080
    redis_url: str = "redis://127.0.0.1:6379/0"
    identity_addr: str = "127.0.0.1:50051"
    threads_addr: str = "127.0.0.1:50052"
    voting_addr: str = "127.0.0.1:50053"
    translation_addr: str = "127.0.0.1:50054"
    synthesis_addr: str = "127.0.0.1:50055"
    notifications_addr: str = "127.0.0.1:50056"
    # Deadline for each call to a service; a slow or dead service is a 503, never a hang.
    rpc_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024, le=16 * 1024 * 1024)
    # Writes per account per minute before 429 (kept in Redis).
    write_rate_per_minute: int = Field(default=120, ge=1)
    # "jwt" accepts only identity's signed tokens; "dev" also accepts development tokens
    # `Bearer dev-<account id>[~role,...]` (refused in production).
    auth_mode: Literal["dev", "jwt"] = "dev"
    token_issuer: str = "agora-identity"
    token_audience: str = "agora"
    jwks_cache_seconds: float = Field(default=300.0, ge=1, le=3600)
    # How long a caller's admission and roles in a consultation are cached in Redis.
    access_cache_seconds: int = Field(default=30, ge=1, le=600)
    # Lifetime of a cached thread page (reads/cache.py); events make it stale sooner.
    read_cache_seconds: int = Field(default=900, ge=1, le=86_400)
    # A full page whose last post is older than this no longer changes when posts are
    # added (ids grow with time; this bounds clock skew between threads replicas).
    read_cache_stable_seconds: float = Field(default=60.0, ge=0, le=3600)
    # How long this process trusts the cache generations and access answers it read
    # (reads/cache.py, access.py): a change made through another replica shows here
    # within this time; 0 asks Redis on every request.
    read_cache_local_seconds: float = Field(default=1.0, ge=0, le=60)
    # How long a participant's public name (pseudonym or display name) stays in Redis.
    public_name_cache_seconds: int = Field(default=300, ge=1, le=86_400)
    # Failed logins: exponential delay after the free ones, none accepted past the cap.
    login_failures_per_hour: int = Field(default=100, ge=1, le=100)
    login_free_failures: int = Field(default=5, ge=1)
    ip_login_failures_per_hour: int = Field(default=1000, ge=1)
    ip_login_free_failures: int = Field(default=50, ge=1)
    registrations_per_ip_per_hour: int = Field(default=20, ge=1)
    # How often participation counters (Redis) are flushed to the threads service.
    participation_flush_seconds: float = Field(default=60.0, ge=0.2, le=3600)
    # Keys the per-consultation author keys (author_keys.py); the same on every replica,
    # from the deployment's secret store. Empty: a fixed development secret (refused in
    # production, where 32+ characters are required).
    author_key_secret: SecretStr = SecretStr("")
    # The web front-end's build (web/dist, made by `make install`), served at /.
    web_dist_dir: str = str(Path(__file__).resolve().parents[2] / "web" / "dist")

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str) -> str:
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _no_dev_auth_in_production(self) -> Self:
        if self.agora_env is Environment.PRODUCTION and self.auth_mode == "dev":
            raise ValueError("AUTH_MODE=dev accepts unsigned tokens and is refused in production")
        return self

    @model_validator(mode="after")
    def _author_key_secret_in_production(self) -> Self:
        secret = self.author_key_secret.get_secret_value()
        if self.agora_env is Environment.PRODUCTION and (
                len(secret) < 32 or secret == DEVELOPMENT_AUTHOR_KEY_SECRET):
            raise ValueError("AUTHOR_KEY_SECRET (32+ characters) is required in production: "
                             "without it anyone can link authors' keys to their accounts")
        return self

    def author_key_bytes(self) -> bytes:
        secret = self.author_key_secret.get_secret_value() or DEVELOPMENT_AUTHOR_KEY_SECRET
        return secret.encode()

    def service_addresses(self) -> dict[str, str]:
        return {
            "identity": self.identity_addr,
            "threads": self.threads_addr,
            "voting": self.voting_addr,
            "translation": self.translation_addr,
            "synthesis": self.synthesis_addr,
            "notifications": self.notifications_addr,
        }
