"""Settings of the notifications service (environment variables, see the README's table)."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from agora_kit.settings import Environment, Port, ServiceSettings

# Public by being in the source: fine for development and tests, refused in production.
DEVELOPMENT_UNSUBSCRIBE_SECRET = "agora development unsubscribe links, never in production"


class NotificationsSettings(ServiceSettings):
    grpc_port: Port = 50056
    metrics_port: Port = 9106
    notifications_database: str = "agora_notifications"
    identity_addr: str = "127.0.0.1:50051"
    threads_addr: str = "127.0.0.1:50052"
    synthesis_addr: str = "127.0.0.1:50055"
    # Where links in mails point: the gateway's public base URL.
    public_url: str = "http://127.0.0.1:8080"
    # SMTP: "none" (plain, local relays and tests), "starttls" (587) or "tls" (465).
    smtp_host: str = "127.0.0.1"
    smtp_port: Port = 1025
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    mail_from: str = "Agora <notifications@agora.example>"
    # Signs unsubscribe links (HMAC-SHA256); the same on every replica. Empty: a fixed
    # development secret, refused in production (32+ characters required there).
    unsubscribe_secret: SecretStr = SecretStr("")
    unsubscribe_link_days: int = Field(default=60, ge=1, le=365)
    # How often pending mails are looked for (they are also sent as soon as written).
    mail_poll_seconds: float = Field(default=1.0, ge=0.05, le=60)
    mail_max_attempts: int = Field(default=5, ge=1, le=50)
    # The length of a "daily" digest window (a day; shorter in tests) and how often
    # the digest job looks for windows that ended. A weekly window is seven of them.
    digest_day_seconds: float = Field(default=86_400.0, ge=1, le=86_400)
    digest_check_seconds: float = Field(default=60.0, ge=0.1, le=3600)
    # A vote session is announced as closing this long before its closes_at; the
    # moderation queue is told to moderators at most once per `moderation_alert_seconds`
    # per consultation; how often both are looked for.
    vote_closing_notice_seconds: float = Field(default=86_400.0, ge=60, le=7 * 86_400)
    moderation_alert_seconds: float = Field(default=3600.0, ge=1, le=86_400)
    timed_check_seconds: float = Field(default=30.0, ge=0.1, le=3600)

    @model_validator(mode="after")
    def _secret_in_production(self) -> Self:
        secret = self.unsubscribe_secret.get_secret_value()
        if self.agora_env is Environment.PRODUCTION and (
                len(secret) < 32 or secret == DEVELOPMENT_UNSUBSCRIBE_SECRET):
            raise ValueError("UNSUBSCRIBE_SECRET (32+ characters) is required in production: "
                             "without it anyone can forge unsubscribe links")
        return self

    def unsubscribe_key(self) -> bytes:
        secret = self.unsubscribe_secret.get_secret_value() or DEVELOPMENT_UNSUBSCRIBE_SECRET
        return secret.encode()
