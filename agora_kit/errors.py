"""Domain errors and their one mapping to gRPC status codes.

Service functions raise these; the gRPC interceptor turns them into statuses (with the
offending field in trailing metadata) and the gateway turns statuses into problem+json.
"""

from __future__ import annotations

import grpc

FIELD_METADATA_KEY = "agora-field"


class DomainError(Exception):
    """An expected failure whose message is safe to show to the caller."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidArgument(DomainError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(DomainError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(DomainError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(DomainError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class PermissionDenied(DomainError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(DomainError):
    code = grpc.StatusCode.UNAUTHENTICATED


class Conflict(DomainError):
    """Another request changed the same data first; the caller may retry (409)."""

    code = grpc.StatusCode.ABORTED
