"""OpenTelemetry tracing: one provider per process, W3C context in and out of carriers.

The same carrier helpers serve HTTP headers, gRPC metadata and NATS headers, so one user
action is one trace from the gateway through a service to an event consumer.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor


def configure_tracing(
    service: str,
    otlp_endpoint: str | None = None,
    extra_processor: SpanProcessor | None = None,
) -> TracerProvider:
    """Install a tracer provider; export over OTLP when an endpoint is configured.

    OpenTelemetry allows setting the global provider once per process; later calls (several
    in-process services in a test) keep the first provider and add their processor to it.
    """
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        provider = current
    else:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        trace.set_tracer_provider(provider)
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    if extra_processor is not None:
        provider.add_span_processor(extra_processor)
    return provider


def inject_context(carrier: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Write the current trace context (traceparent, tracestate) into carrier."""
    propagate.inject(carrier)
    return carrier


def extract_context(carrier: Mapping[str, str]) -> otel_context.Context:
    """The trace context found in carrier, or an empty one."""
    return propagate.extract(dict(carrier))


def current_trace_context() -> dict[str, str]:
    """The current trace context as a plain dict, for storing in an event envelope."""
    return dict(inject_context({}))
