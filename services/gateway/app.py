"""The gateway's FastAPI application, built from settings (one per process or test)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute

from agora_kit.redis_client import observed_redis
from services.gateway import contract, problems
from services.gateway.access import AccessResolver
from services.gateway.auth import DevTokenVerifier, EitherVerifier, TokenVerifier
from services.gateway.author_keys import AuthorKeys
from services.gateway.cache_events import CacheInvalidation
from services.gateway.clients import ServiceClients
from services.gateway.config import GatewaySettings
from services.gateway.deps import authorize, json_body
from services.gateway.fast_reads import FastPageReads
from services.gateway.jwks import JwksVerifier
from services.gateway.live import LiveFeed
from services.gateway.middleware import BodySizeLimit, ObservedRequests
from services.gateway.participation import Participation
from services.gateway.participation_flush import ParticipationFlusher
from services.gateway.public_names import PublicNames
from services.gateway.ratelimit import WriteRateLimiter
from services.gateway.read_cache import ReadCache
from services.gateway.routes import (
    accounts,
    consultations,
    docs,
    health,
    ideas,
    keys,
    knowledge,
    live,
    moderation,
    participation,
    phases,
    posts,
    pseudonyms,
    roles,
    sessions,
    syntheses,
    synthesis,
    threads,
    votes,
)
from services.gateway.throttle import HourlyLimit, Limits, LoginGuard

DESCRIPTION = """Agora's public API. Errors are RFC 9457 `application/problem+json`;
lists are cursor-paginated (`next_cursor`); creating requests accept `Idempotency-Key`."""


def operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: GatewaySettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.clients = ServiceClients(settings)
        # Every request uses Redis (limits, admissions, caches): the pool must not be the
        # bottleneck under a burst (redis-py's default is 100 connections).
        app.state.redis = observed_redis(settings.redis_url, service="gateway",
                                         socket_timeout=1.0, socket_connect_timeout=1.0,
                                         max_connections=1024)
        app.state.rate_limiter = WriteRateLimiter(app.state.redis,
                                                  per_minute=settings.write_rate_per_minute)
        app.state.jwks = JwksVerifier(app.state.clients, issuer=settings.token_issuer,
                                      audience=settings.token_audience,
                                      cache_seconds=settings.jwks_cache_seconds)
        verifier: TokenVerifier = app.state.jwks
        if settings.auth_mode == "dev":
            verifier = EitherVerifier(DevTokenVerifier(), app.state.jwks)
        app.state.verifier = verifier
        app.state.access = AccessResolver(app.state.clients, app.state.redis,
                                          ttl=settings.access_cache_seconds,
                                          local_seconds=settings.read_cache_local_seconds)
        app.state.login_guard = LoginGuard(
            app.state.redis,
            account=Limits(settings.login_failures_per_hour, settings.login_free_failures),
            ip=Limits(settings.ip_login_failures_per_hour, settings.ip_login_free_failures))
        app.state.registrations = HourlyLimit(
            app.state.redis, name="register-ip", per_hour=settings.registrations_per_ip_per_hour)
        app.state.author_keys = AuthorKeys(settings.author_key_bytes())
        app.state.live = LiveFeed(settings.nats_url)
        app.state.participation = Participation(
            app.state.redis, recheck_seconds=settings.participation_flush_seconds)
        app.state.read_cache = ReadCache(app.state.redis, ttl=settings.read_cache_seconds,
                                         stable_after=settings.read_cache_stable_seconds,
                                         local_seconds=settings.read_cache_local_seconds)
        app.state.public_names = PublicNames(app.state.redis, app.state.clients,
                                             ttl=settings.public_name_cache_seconds)
        invalidation = asyncio.create_task(
            CacheInvalidation(settings.nats_url, app.state.read_cache, app.state.access).run())
        flusher = ParticipationFlusher(app.state.participation, app.state.redis,
                                       app.state.clients,
                                       interval=settings.participation_flush_seconds)
        flushing = asyncio.create_task(flusher.run())
        try:
            yield
        finally:
            for task in (invalidation, flushing):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await app.state.live.close()
            await app.state.clients.close()
            await app.state.redis.aclose()

    app = FastAPI(
        title="Agora API", version="1.0.0", description=DESCRIPTION, lifespan=lifespan,
        generate_unique_id_function=operation_id,
        # Served offline by routes/docs.py, through the permission table like every route.
        openapi_url=None, docs_url=None, redoc_url=None,
        # Bodies are JSON; every route is authorised against the permission table.
        dependencies=[Depends(json_body), Depends(authorize)],
        # Our middleware (ObservedRequests) makes each request's SERVER span and RED
        # metrics; FastAPI's own telemetry would add a second server span per request.
        telemetry={"tracing": False, "metrics": False, "logs": False,
                   "operation_spans": False},
    )
    problems.install(app)
    app.include_router(health.router)
    app.include_router(docs.router)
    app.include_router(consultations.router)
    app.include_router(threads.router)
    app.include_router(votes.router)
    app.include_router(votes.consultation_router)
    app.include_router(phases.router)
    app.include_router(posts.router)
    app.include_router(moderation.router)
    app.include_router(knowledge.router)
    app.include_router(live.router)
    app.include_router(participation.router)
    app.include_router(accounts.router)
    app.include_router(sessions.router)
    app.include_router(roles.router)
    app.include_router(pseudonyms.router)
    app.include_router(keys.router)
    app.include_router(synthesis.router)
    app.include_router(ideas.router)
    app.include_router(syntheses.router)
    contract.install(app)  # after the routers: the document is derived from them
    app.add_middleware(FastPageReads)  # innermost: inside the request id, span, metrics
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservedRequests)
    return app
