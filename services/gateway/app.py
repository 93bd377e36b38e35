"""The gateway's FastAPI application, built from settings (one per process or test)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from redis.asyncio import Redis

from services.gateway import problems
from services.gateway.auth import DevTokenVerifier
from services.gateway.clients import ServiceClients
from services.gateway.config import GatewaySettings
from services.gateway.live import LiveFeed
from services.gateway.middleware import BodySizeLimit, ObservedRequests
from services.gateway.participation import Participation
from services.gateway.ratelimit import WriteRateLimiter
from services.gateway.routes import (
    consultations,
    health,
    knowledge,
    live,
    moderation,
    participation,
    phases,
    posts,
    threads,
    votes,
)

DESCRIPTION = """Agora's public API. Errors are RFC 9457 `application/problem+json`;
lists are cursor-paginated (`next_cursor`); creating requests accept `Idempotency-Key`."""


def operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: GatewaySettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.clients = ServiceClients(settings)
        app.state.redis = Redis.from_url(settings.redis_url, socket_timeout=1.0,
                                         socket_connect_timeout=1.0)
        app.state.rate_limiter = WriteRateLimiter(app.state.redis,
                                                  per_minute=settings.write_rate_per_minute)
        app.state.verifier = DevTokenVerifier()
        app.state.live = LiveFeed(settings.nats_url)
        app.state.participation = Participation(app.state.redis)
        try:
            yield
        finally:
            await app.state.live.close()
            await app.state.clients.close()
            await app.state.redis.aclose()

    app = FastAPI(
        title="Agora API", version="1.0.0", description=DESCRIPTION, lifespan=lifespan,
        generate_unique_id_function=operation_id,
    )
    problems.install(app)
    app.include_router(health.router)
    app.include_router(consultations.router)
    app.include_router(threads.router)
    app.include_router(votes.router)
    app.include_router(phases.router)
    app.include_router(posts.router)
    app.include_router(moderation.router)
    app.include_router(knowledge.router)
    app.include_router(live.router)
    app.include_router(participation.router)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservedRequests)
    return app
