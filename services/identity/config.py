"""Settings of the identity service (environment variables, see the README's table)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from agora_kit.settings import Environment, Port, ServiceSettings


class IdentitySettings(ServiceSettings):
    grpc_port: Port = 50051
    metrics_port: Port = 9101
    identity_database: str = "agora_identity"
    # Access tokens are short-lived: role changes and logouts take effect within this.
    access_token_ttl_seconds: int = Field(default=300, ge=30, le=3600)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    token_issuer: str = "agora-identity"
    token_audience: str = "agora"
    # A fresh signing key after this many days; old keys stay in the JWKS until their
    # last token expired.
    signing_key_rotation_days: int = Field(default=30, ge=1, le=365)
    # Encrypts the signing keys' private halves in the database (PKCS#8, scrypt +
    # AES-256); from the deployment's secret store. Required in production.
    signing_key_passphrase: SecretStr = SecretStr("")
    email_token_ttl_hours: int = Field(default=48, ge=1, le=24 * 14)
    password_min_chars: int = Field(default=12, ge=12, le=128)
    # "file" writes each message as a JSON file in MAIL_DIR (development); "smtp" sends.
    mail_sender: Literal["file", "smtp"] = "file"
    mail_dir: Path = Path(".data/mail")
    mail_from: str = "Agora <no-reply@agora.example>"
    smtp_host: str = "localhost"
    smtp_port: Port = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = True

    # OpenID Connect single sign-on; disabled while OIDC_ISSUER is empty.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    oidc_redirect_uri: str = ""
    oidc_scopes: str = "openid email profile"
    # The provider's name on the front-end's "Log in with …" button (else the issuer's host).
    oidc_provider_name: str = ""

    @model_validator(mode="after")
    def _complete_oidc(self) -> Self:
        if self.oidc_issuer and not (self.oidc_client_id and self.oidc_redirect_uri):
            raise ValueError("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_REDIRECT_URI")
        if (self.oidc_issuer and self.agora_env is Environment.PRODUCTION
                and not self.oidc_issuer.startswith("https://")):
            raise ValueError("OIDC_ISSUER must be an https:// URL in production")
        return self

    @model_validator(mode="after")
    def _encrypted_keys_in_production(self) -> Self:
        passphrase = self.signing_key_passphrase.get_secret_value()
        if self.agora_env is Environment.PRODUCTION and len(passphrase) < 16:
            raise ValueError("SIGNING_KEY_PASSPHRASE (16+ characters) is required in "
                             "production: signing keys are never stored in clear")
        return self

    @model_validator(mode="after")
    def _real_mail_in_production(self) -> Self:
        if self.agora_env is Environment.PRODUCTION and self.mail_sender != "smtp":
            raise ValueError("MAIL_SENDER must be smtp in production (file keeps mail on disk)")
        return self
