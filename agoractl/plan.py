"""What a spec becomes in the cluster: the namespace, the credentials Secret, the values.

The Secret is agoractl's, not the chart's (`secrets.create: false`): the keys it generates
once (author keys, signing-key passphrase) are kept across upgrades, and no credential
passes through Helm's release history.
"""

from __future__ import annotations

import copy
import secrets
from typing import Any

from agoractl.spec import ConsultationSpec

PART_OF = {"app.kubernetes.io/part-of": "agora", "app.kubernetes.io/managed-by": "agoractl"}
GENERATED_KEYS = {"author-key-secret": 32, "signing-key-passphrase": 24,
                  "unsubscribe-secret": 32}  # random bytes


def labels(spec: ConsultationSpec) -> dict[str, str]:
    return {**PART_OF, "agora.example.org/consultation": spec.name}


def credentials(spec: ConsultationSpec, existing: dict[str, str] | None) -> dict[str, str]:
    """The Secret's data: the spec's datastores, and the generated keys kept if present."""
    data = {
        "mongo-uri": spec.datastores.mongo_uri,
        "nats-url": spec.datastores.nats_url,
        "redis-url": spec.datastores.redis_url,
    }
    for key, size in GENERATED_KEYS.items():
        kept = (existing or {}).get(key)
        data[key] = kept if kept else secrets.token_urlsafe(size)
    for key in ("smtp-password", "oidc-client-secret"):
        if (existing or {}).get(key):
            data[key] = (existing or {})[key]  # set by the operator, never overwritten
    return data


def chart_values(spec: ConsultationSpec) -> dict[str, Any]:
    values: dict[str, Any] = {
        "consultation": {"id": spec.name},
        "secrets": {"create": False, "existingSecret": spec.secret_name},
    }
    if spec.image_tag:
        values["image"] = {"tag": spec.image_tag}
    if spec.otlp_endpoint:
        values["telemetry"] = {"otlpEndpoint": spec.otlp_endpoint}
    if spec.host:
        values["ingress"] = {"enabled": True, "hosts": [spec.host],
                             "tls": [{"secretName": f"{spec.name}-tls", "hosts": [spec.host]}]}
    return merge(values, spec.values)


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """extra over base, maps merged key by key (as Helm merges values files)."""
    result = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def fullname(release: str) -> str:
    """The chart's `agora.fullname` (templates/_helpers.tpl), for naming its objects."""
    name = release if "agora" in release else f"{release}-agora"
    return name[:40].rstrip("-")


def gateway_service(release: str) -> str:
    return f"{fullname(release)}-gateway"[:63].rstrip("-")


def selector(spec: ConsultationSpec) -> str:
    return f"app.kubernetes.io/instance={spec.name}"
