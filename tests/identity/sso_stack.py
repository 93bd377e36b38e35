"""An identity replica and a gateway configured for a test OpenID Connect provider.

They share the running stack's databases, bus and other services, so an account made by
single sign-on here is the stack's account. `front_end=True` registers the gateway's own
page (`<gateway>/`) as the redirect URI, as the reference web front-end expects.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from devstack import processes
from devstack.stack import Stack, StackConfig
from tests.identity.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider


@contextlib.contextmanager
def sso_gateway_for(provider: Provider, stack: Stack, log_dir: Path, *,
                    front_end: bool = False) -> Iterator[str]:
    """The URL of a gateway whose identity signs in with `provider`."""
    config = StackConfig.on_free_ports(
        mongo_uri=stack.config.mongo_uri, nats_url=stack.config.nats_url,
        redis_url=stack.config.redis_url, log_dir=log_dir, extra_env={})
    if front_end:
        provider.redirect_uri = f"{config.gateway_url}/"
    config.extra_env.update({
        "AGORA_ENV": "test", "MAIL_DIR": stack.config.extra_env["MAIL_DIR"],
        # A replica of the stack's identity: it must read the same signing keys.
        "SIGNING_KEY_PASSPHRASE": stack.config.extra_env["SIGNING_KEY_PASSPHRASE"],
        "OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_REDIRECT_URI": provider.redirect_uri})
    for name in config.grpc_ports:
        if name != "identity":  # the other services are the stack's own
            config.grpc_ports[name] = stack.config.grpc_ports[name]
    identity = processes.service("identity", config.env("identity"), config.log_dir).start()
    gateway = None
    try:
        processes.wait_serving(identity, config.address("identity"))
        gateway = processes.service("gateway", config.env("gateway"), config.log_dir).start()
        gateway.wait_port()
        yield config.gateway_url
    finally:
        if gateway is not None:
            gateway.stop()
        identity.stop()
