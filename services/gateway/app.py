"""The gateway's FastAPI application, built from settings (one per process or test)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute

from services.gateway import contract, problems
from services.gateway.config import GatewaySettings
from services.gateway.deps import authorize, json_body
from services.gateway.events.cache import CacheInvalidation
from services.gateway.middleware import BodySizeLimit, ObservedRequests
from services.gateway.participation.flush import ParticipationFlusher
from services.gateway.reads.door import PostsPageDoor
from services.gateway.resources import Resources
from services.gateway.routes import (
    accounts,
    consultations,
    deliverables,
    docs,
    exposure,
    health,
    ideas,
    keys,
    knowledge,
    live,
    moderation,
    notifications,
    opinions,
    participation,
    phases,
    posts,
    pseudonyms,
    roles,
    sessions,
    syntheses,
    synthesis,
    threads,
    topics,
    translations,
    votes,
    web,
)

DESCRIPTION = """Agora's public API. Errors are RFC 9457 `application/problem+json`;
lists are cursor-paginated (`next_cursor`); creating requests accept `Idempotency-Key`."""


def operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: GatewaySettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = app.state.resources = Resources.of(settings)
        invalidation = asyncio.create_task(
            CacheInvalidation(settings.nats_url, resources.read_cache, resources.access).run())
        flusher = ParticipationFlusher(resources.participation, resources.redis,
                                       resources.clients,
                                       interval=settings.participation_flush_seconds)
        flushing = asyncio.create_task(flusher.run())
        try:
            yield
        finally:
            for task in (invalidation, flushing):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await resources.close()

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
    app.include_router(exposure.router)
    app.include_router(opinions.router)
    app.include_router(deliverables.router)
    app.include_router(topics.router)
    app.include_router(translations.router)
    app.include_router(notifications.router)
    app.include_router(web.router)
    contract.install(app)  # after the routers: the document is derived from them
    app.add_middleware(PostsPageDoor)  # innermost: inside the request id, span, metrics
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(ObservedRequests)
    return app
