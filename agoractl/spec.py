"""A consultation's deployment spec: the small YAML file an operator writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$"
HOST = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"


class SpecError(ValueError):
    """The spec file is unreadable or invalid; the message names each problem."""


class Datastores(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mongo_uri: str = Field(pattern=r"^mongodb(\+srv)?://.+")
    nats_url: str = Field(pattern=r"^(nats|tls)://[^,]+(,(nats|tls)://[^,]+)*$")
    redis_url: str = Field(pattern=r"^(redis|rediss|unix)://.+")


class ConsultationSpec(BaseModel):
    """What agoractl needs to deploy one consultation (see the repository README)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # The Helm release's name; the namespace defaults to "agora-<name>".
    name: str = Field(pattern=DNS_LABEL)
    namespace: str = Field(default="", pattern=r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)?$")
    # The consultation's id in the gateway, once created: `status` shows its phase.
    consultation_id: str = Field(default="", pattern=r"^([0-9a-f]{24})?$")
    datastores: Datastores
    host: str = Field(default="", pattern=rf"({HOST})?")
    image_tag: str = Field(default="", pattern=r"^([\w][\w.-]{0,127})?$")
    otlp_endpoint: str = Field(default="", pattern=r"^(https?://.+)?$")
    # Extra chart values, merged last (the chart's schema checks them).
    values: dict[str, Any] = Field(default_factory=dict)

    @property
    def target_namespace(self) -> str:
        return self.namespace or f"agora-{self.name}"

    @property
    def secret_name(self) -> str:
        return f"{self.name}-credentials"

    @classmethod
    def load(cls, path: Path) -> ConsultationSpec:
        try:
            data = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as error:
            raise SpecError(f"{path}: {error}") from None
        try:
            return cls.model_validate(data)
        except ValidationError as error:
            problems = "\n".join(
                f"  {'.'.join(str(p) for p in e['loc']) or '(spec)'}: {e['msg']}"
                for e in error.errors())
            raise SpecError(f"{path}: invalid spec:\n{problems}") from None
