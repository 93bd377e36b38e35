"""Entry point: `python -m services.gateway` (uvicorn, JSON logs, graceful stop)."""

import uvicorn

from agora_kit.logging import configure_logging
from agora_kit.settings import load_settings
from agora_kit.telemetry import configure_tracing
from services.gateway.app import create_app
from services.gateway.config import GatewaySettings


def main() -> None:
    settings = load_settings(GatewaySettings, "gateway")
    configure_logging("gateway", settings.log_level)
    configure_tracing("gateway", settings.otel_exporter_otlp_endpoint)
    config = uvicorn.Config(
        create_app(settings), host=settings.gateway_host, port=settings.gateway_port,
        log_config=None, access_log=False, proxy_headers=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
