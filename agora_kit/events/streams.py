"""JetStream streams, declared idempotently by every service at start-up.

`replicas` is the number of JetStream servers holding each stream (NATS_STREAM_REPLICAS):
1 on one machine, 3 in production, where the stream that carries ballots must survive a
server loss (with the servers' `sync_interval: always`, see deploy/helm/agora/README.md).
"""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

EVENTS_STREAM = "AGORA"
DEAD_LETTER_STREAM = "AGORA_DLQ"
DEAD_LETTER_PREFIX = "dlq"
DUPLICATE_WINDOW_SECONDS = 120.0
DAY = 24 * 3600.0


def stream_configs(replicas: int = 1) -> list[StreamConfig]:
    return [
        StreamConfig(
            name=EVENTS_STREAM,
            description="Every domain event, subject agora.<consultation>.<type>",
            subjects=["agora.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=90 * DAY,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            num_replicas=replicas,
        ),
        StreamConfig(
            name=DEAD_LETTER_STREAM,
            description="Events a consumer gave up on, with the reason in headers",
            subjects=[f"{DEAD_LETTER_PREFIX}.>"],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=90 * DAY,
            num_replicas=replicas,
        ),
    ]


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the streams, or bring an existing one's configuration up to date."""
    for config in stream_configs(replicas):
        assert config.name is not None
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)
