"""The life of one service process: gRPC server, health, dependencies, events, shutdown.

Start-up binds the gRPC server at once with health NOT_SERVING (so probes get an answer),
connects MongoDB and NATS, retrying until they answer, starts the instance heartbeat
(which also ends the open transactions of dead replicas, `instances.py`), declares
streams, consumers and indexes, and only then turns SERVING. A watchdog turns NOT_SERVING
while a dependency has not answered for the grace period (a late answer is an answer:
`dependency_watch.py`). SIGTERM turns NOT_SERVING, stops accepting, drains in-flight calls
for the grace period, stops the relay and consumers, drains NATS and exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from opentelemetry.sdk.trace import SpanProcessor

from agora_kit import transactions
from agora_kit.dependency_watch import DependencyWatch
from agora_kit.events.consumer import Batched, ConsumerSpec, EventConsumer, Handler
from agora_kit.events.outbox import Outbox, OutboxRelay
from agora_kit.events.streams import ensure_streams
from agora_kit.grpc_interceptors import ServerObservability
from agora_kit.instances import Instance
from agora_kit.lease import Lease
from agora_kit.logging import configure_logging
from agora_kit.metrics import NATS_CLIENTS, serve_metrics
from agora_kit.mongo import Client, Database, Session, connect, ping
from agora_kit.periodic import every
from agora_kit.settings import ServiceSettings
from agora_kit.telemetry import configure_tracing

log = logging.getLogger(__name__)
T = TypeVar("T")
# Liveness probes ask for this service name: SERVING while the process and its event loop
# answer, whatever its dependencies (readiness asks for "", which follows them), so an
# orchestrator restarts a stuck process, never every replica during a database outage.
LIVENESS = "liveness"
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@dataclass
class Dependencies:
    """What a service's servicers and handlers use; built before it is connected."""

    settings: ServiceSettings
    mongo: Client
    db: Database
    nats: NatsClient
    js: JetStreamContext
    outbox: Outbox

    async def commit(self, work: Callable[[Session, Outbox], Awaitable[T]], *,
                     attempts: int | None = None,
                     on_retry: Callable[[], None] | None = None) -> T:
        """Run work(session, outbox) in one transaction with this service's outbox,
        retried on transient conflicts, then wake the relay (`agora_kit/transactions.py`)."""
        return await transactions.commit(self.mongo, self.outbox, work, attempts=attempts,
                                         on_retry=on_retry)


class ServiceApp(ABC):
    """What a service contributes to the runtime: servicers, consumers, indexes."""

    name: str
    database: str
    grpc_services: Sequence[str] = ()
    # Seconds between outbox relay passes under a steady trickle (OutboxRelay's `pace`).
    relay_pace: float = 0.0

    @abstractmethod
    def register(self, server: grpc.aio.Server, deps: Dependencies) -> None:
        """Add the service's servicers to the server."""

    async def prepare(self, deps: Dependencies) -> None:  # noqa: B027 - optional hook
        """Create indexes and the like, once the dependencies answer."""

    def consumers(self, deps: Dependencies) -> Sequence[tuple[ConsumerSpec, Handler | Batched]]:
        return ()

    def background(self, deps: Dependencies) -> Sequence[Coroutine[Any, Any, None]]:
        """Long-running jobs (schedulers) started once the service serves; cancelled at stop."""
        return ()


class ServiceRuntime:
    def __init__(self, app: ServiceApp, settings: ServiceSettings) -> None:
        self.app = app
        self.settings = settings
        self.port = 0
        self.health = health.aio.HealthServicer()
        self.server = grpc.aio.server(interceptors=[ServerObservability(app.name)])
        mongo = connect(settings.mongo_uri, app_name=app.name)
        db = mongo[app.database]
        self.instance = Instance(mongo, db, service=app.name,
                                 lapse_seconds=settings.instance_lapse_seconds)
        mongo.recorder = self.instance
        self._wake_relay = asyncio.Event()
        nats_client = NatsClient()
        NATS_CLIENTS.track(app.name, nats_client)
        self.deps = Dependencies(
            settings=settings,
            mongo=mongo,
            db=db,
            nats=nats_client,
            js=nats_client.jetstream(),
            outbox=Outbox(db, on_added=self._wake_relay),
        )
        self.consumers: list[EventConsumer] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._ready = asyncio.Event()

    @property
    def names(self) -> list[str]:
        return ["", *self.app.grpc_services]

    async def start(self) -> None:
        """Serve health at once; SERVING after dependencies and declarations succeed."""
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        self.app.register(self.server, self.deps)
        reflection.enable_server_reflection(
            [*self.app.grpc_services, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server
        )
        address = f"{self.settings.grpc_host}:{self.settings.grpc_port}"
        self.port = self.server.add_insecure_port(address)
        await self._set_status(NOT_SERVING)
        await self.health.set(LIVENESS, SERVING)
        await self.server.start()
        log.info("gRPC listening", extra={"address": address, "port": self.port})
        await self._connect()
        # At once, then every second: this process on record, dead ones' sessions ended.
        self._spawn(every(self.instance.heartbeat_seconds, self.instance.tick,
                          name="instance heartbeat"))
        await ensure_streams(self.deps.js, self.settings.nats_stream_replicas)
        await self.deps.outbox.ensure_indexes()
        await self.app.prepare(self.deps)
        self._spawn(
            OutboxRelay(
                db=self.deps.db, js=self.deps.js, service=self.app.name, wake=self._wake_relay,
                pace=self.app.relay_pace,
                lease=Lease(self.deps.db, f"outbox-relay:{self.app.name}"),
            ).run()
        )
        for spec, handler in self.app.consumers(self.deps):
            consumer = EventConsumer(
                service=self.app.name,
                spec=spec,
                handler=handler,
                js=self.deps.js,
                mongo=self.deps.mongo,
                db=self.deps.db,
            )
            await consumer.declare()
            self.consumers.append(consumer)
            self._spawn(consumer.run())
        for job in self.app.background(self.deps):
            self._spawn(job)
        await self._set_status(SERVING)
        self._ready.set()
        self._spawn(self._watchdog().run())
        log.info("serving", extra={"service": self.app.name})

    async def stop(self) -> None:
        """NOT_SERVING, drain calls within the grace period, then release everything.

        Each release step is bounded, so a library that does not answer (a NATS client
        whose server just vanished, a MongoDB pool reconnecting) cannot hold the exit.
        """
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.settings.shutdown_grace_seconds)
        for task in self._tasks:
            task.cancel()
        await _bounded("background tasks", asyncio.gather(*self._tasks, return_exceptions=True))
        await _bounded("instance record", self.instance.retire())
        if self.deps.nats.is_connected:
            await _bounded("NATS drain", self.deps.nats.drain(), 0.5)
        await _bounded("NATS close", self.deps.nats.close())
        await _bounded("MongoDB close", self.deps.mongo.close())
        log.info("stopped", extra={"service": self.app.name})

    async def _connect(self) -> None:
        delay = 0.2
        while True:
            try:
                await ping(self.deps.mongo)
                if not self.deps.nats.is_connected:
                    await self.deps.nats.connect(
                        servers=self.settings.nats_url.split(","),
                        name=self.app.name,
                        connect_timeout=2,
                        max_reconnect_attempts=-1,
                        reconnect_time_wait=1,
                        # A server that stops answering is dropped after about the grace
                        # period (three unanswered pings), not after the default 4 min.
                        ping_interval=max(1, round(self.settings.dependency_grace_seconds / 3)),
                        max_outstanding_pings=2,
                        error_cb=_log_nats_error,
                        disconnected_cb=_log_nats_disconnect,
                        reconnected_cb=_log_nats_reconnect,
                    )
                return
            except Exception as error:
                log.warning("dependencies not reachable yet", extra={"error": repr(error)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _watchdog(self) -> DependencyWatch:
        async def mongodb() -> None:
            await ping(self.deps.mongo)

        async def nats() -> None:
            # The client itself pings the server (see `_connect`) and drops a connection
            # whose server stopped answering, so "connected" means it answered lately.
            if not self.deps.nats.is_connected:
                raise ConnectionError("NATS is not connected")

        async def changed(healthy: bool) -> None:
            await self._set_status(SERVING if healthy else NOT_SERVING)

        return DependencyWatch(self.app.name, {"mongodb": mongodb, "nats": nats},
                               grace=self.settings.dependency_grace_seconds, on_change=changed)

    async def _set_status(self, status: int) -> None:
        for name in self.names:
            await self.health.set(name, status)

    def _spawn(self, work: object) -> None:
        self._tasks.append(asyncio.create_task(work))  # type: ignore[arg-type]


async def _bounded(step: str, work: Awaitable[object], seconds: float = 2.0) -> None:
    try:
        await asyncio.wait_for(work, seconds)
    except TimeoutError:
        log.warning("shutdown step timed out", extra={"step": step, "seconds": seconds})
    except Exception as error:
        log.warning("shutdown step failed", extra={"step": step, "error": repr(error)})


async def _log_nats_error(error: Exception) -> None:
    log.warning("NATS error", extra={"error": repr(error)})


async def _log_nats_disconnect() -> None:
    log.warning("NATS disconnected")


async def _log_nats_reconnect() -> None:
    log.info("NATS reconnected")


async def serve(
    app: ServiceApp, settings: ServiceSettings, *, span_processor: SpanProcessor | None = None
) -> None:
    """Run a service until SIGTERM or SIGINT (the process entry point of every service)."""
    configure_logging(app.name, settings.log_level)
    configure_tracing(app.name, settings.otel_exporter_otlp_endpoint, span_processor)
    serve_metrics(settings.metrics_port, settings.grpc_host)
    runtime = ServiceRuntime(app, settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    starting = asyncio.create_task(runtime.start())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    if starting.done() and starting.exception() is not None:
        log.error("start-up failed", exc_info=starting.exception())
        await runtime.stop()
        raise SystemExit(1)
    await stopping
    log.info("shutting down", extra={"service": app.name})
    if not starting.done():
        starting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await starting
    await runtime.stop()


def run(app: ServiceApp, settings: ServiceSettings) -> None:
    """Serve until signalled; leftover library tasks get one second, then the loop closes."""
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(serve(app, settings))
    finally:
        leftovers = asyncio.all_tasks(loop)
        for task in leftovers:
            task.cancel()
        if leftovers:
            loop.run_until_complete(asyncio.wait(leftovers, timeout=1.0))
        loop.close()


class DependenciesOnlyApp(ServiceApp):
    """A service whose domain API has not landed yet: health, reflection, streams, outbox.

    It is a real process in the topology (deployed, probed, scraped) so that adding its API
    later changes no deployment; it offers no RPC of its own until then.
    """

    def __init__(self, name: str, database: str) -> None:
        self.name = name
        self.database = database

    def register(self, server: grpc.aio.Server, deps: Dependencies) -> None:
        return None
