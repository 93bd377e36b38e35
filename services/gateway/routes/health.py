"""Liveness, readiness and metrics: for orchestrators and Prometheus, not for people."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError

from services.gateway.deps import resources_of
from services.gateway.schemas import ServiceStatus

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive (it answers); says nothing of its dependencies."""
    return {"status": "alive"}


@router.get("/readyz", response_model=ServiceStatus, responses={503: {"model": ServiceStatus}})
async def readyz(request: Request) -> JSONResponse:
    """200 only when every service answers SERVING and Redis answers."""
    clients = resources_of(request.app).clients  # health checks raise no problem
    services = await clients.health()
    redis: Literal["ok", "unreachable"] = "ok"
    try:
        await resources_of(request.app).redis.ping()
    except (RedisError, OSError):
        redis = "unreachable"
    ready = redis == "ok" and all(status == "SERVING" for status in services.values())
    body = ServiceStatus(status="ready" if ready else "unready", services=services, redis=redis)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
