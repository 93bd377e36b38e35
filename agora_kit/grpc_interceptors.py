"""gRPC interceptors: one trace and one RED observation per call, errors mapped once.

The server side maps `DomainError` to its status (the offending field in trailing
metadata), a lost connection to the database (pymongo's `ConnectionFailure`: a reset under
overload, a fail-over, a timeout selecting a server) to UNAVAILABLE, which callers retry
(the gateway's 503), and any other exception to INTERNAL with a generic message, after
logging the traceback. The client side carries the W3C trace context in the call's metadata.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from grpc.aio import ClientCallDetails
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from pymongo.errors import ConnectionFailure

from agora_kit.errors import FIELD_METADATA_KEY, DomainError
from agora_kit.metrics import RPC_CLIENT_DURATION, RPC_SERVER_DURATION
from agora_kit.telemetry import extract_context, inject_context

log = logging.getLogger(__name__)
tracer = trace.get_tracer(__name__)


class ServerObservability(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    def __init__(self, service: str) -> None:
        self._service = service

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(details)
        if handler is None or handler.unary_unary is None:
            return handler  # streaming (health Watch, reflection): passed through untouched
        method: str = details.method
        metadata = {k: v for k, v in details.invocation_metadata or () if isinstance(v, str)}
        inner = handler.unary_unary
        service = self._service

        async def observed(request: Any, context: grpc.aio.ServicerContext) -> Any:
            code = grpc.StatusCode.OK
            started = time.perf_counter()
            with tracer.start_as_current_span(
                method.lstrip("/"), context=extract_context(metadata), kind=SpanKind.SERVER
            ) as span:
                span.set_attribute("rpc.system", "grpc")
                try:
                    return await inner(request, context)
                except DomainError as error:
                    code = error.code
                    trailing = ((FIELD_METADATA_KEY, error.field),) if error.field else ()
                    await context.abort(error.code, error.message, trailing_metadata=trailing)
                except grpc.aio.AbortError:
                    code = context.code() or grpc.StatusCode.UNKNOWN
                    raise
                except ConnectionFailure as error:
                    code = grpc.StatusCode.UNAVAILABLE
                    span.record_exception(error)
                    log.warning("database unreachable in %s: %s", method, error)
                    await context.abort(code, "the database is unreachable; retry")
                except Exception as error:
                    code = grpc.StatusCode.INTERNAL
                    span.set_status(Status(StatusCode.ERROR))
                    span.record_exception(error)
                    log.exception("unhandled error in %s", method)
                    await context.abort(grpc.StatusCode.INTERNAL, "internal error")
                finally:
                    span.set_attribute("rpc.grpc.status_code", code.value[0])
                    RPC_SERVER_DURATION.labels(service, method, code.name).observe(
                        time.perf_counter() - started
                    )

        return grpc.unary_unary_rpc_method_handler(
            observed,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class ClientObservability(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    def __init__(self, service: str) -> None:
        self._service = service

    async def intercept_unary_unary(
        self,
        continuation: Callable[[ClientCallDetails, Any], Awaitable[Any]],
        details: ClientCallDetails,
        request: Any,
    ) -> Any:
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        code = grpc.StatusCode.OK
        started = time.perf_counter()
        with tracer.start_as_current_span(method.lstrip("/"), kind=SpanKind.CLIENT):
            metadata = grpc.aio.Metadata(*(details.metadata or ()))
            for key, value in inject_context({}).items():
                metadata.add(key, value)
            details = ClientCallDetails(
                details.method,
                details.timeout,
                metadata,
                details.credentials,
                details.wait_for_ready,
            )
            try:
                call = await continuation(details, request)
                await call
                return call
            except grpc.aio.AioRpcError as error:
                code = error.code()
                raise
            finally:
                RPC_CLIENT_DURATION.labels(self._service, method, code.name).observe(
                    time.perf_counter() - started
                )


def client_channel(target: str, *, service: str) -> grpc.aio.Channel:
    """An insecure channel (mTLS is the mesh's job) carrying trace context and metrics."""
    return grpc.aio.insecure_channel(
        target,
        interceptors=[ClientObservability(service)],
        options=[
            ("grpc.keepalive_time_ms", 30_000),
            ("grpc.initial_reconnect_backoff_ms", 200),
            ("grpc.max_reconnect_backoff_ms", 2_000),
        ],
    )
