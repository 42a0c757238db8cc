"""Errors that carry TensorFlow Serving's status codes.

TF Serving reports every failure as a `tensorflow::Status`: a code from the canonical gRPC set
and a message. REST maps the code to an HTTP status and returns `{"error": message}`; gRPC sends
the code itself. Raising these keeps the two protocols consistent.

    raise InvalidArgument("input 'images' expects float32 of shape (-1, 8, 8, 1), got (3, 8)")
"""
from __future__ import annotations

import grpc

INTERNAL_MESSAGE = "Internal error while answering the request"
"""What a client is told of a bug in the server (the log has the traceback)."""


class ServingError(Exception):
    """A failure with a gRPC status code, reported to clients as TF Serving would."""

    code: grpc.StatusCode = grpc.StatusCode.INTERNAL
    http_status: int = 500

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidArgument(ServingError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 400


class NotFound(ServingError):
    code = grpc.StatusCode.NOT_FOUND
    http_status = 404


class FailedPrecondition(ServingError):
    code = grpc.StatusCode.FAILED_PRECONDITION
    http_status = 400


class Unavailable(ServingError):
    code = grpc.StatusCode.UNAVAILABLE
    http_status = 503


class ResourceExhausted(ServingError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    http_status = 429


class Internal(ServingError):
    code = grpc.StatusCode.INTERNAL
    http_status = 500


class Cancelled(ServingError):
    code = grpc.StatusCode.CANCELLED
    http_status = 499


class DeadlineExceeded(ServingError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED
    http_status = 504


class Unimplemented(ServingError):
    code = grpc.StatusCode.UNIMPLEMENTED
    http_status = 501


_BY_GRPC_CODE = {cls.code: cls for cls in (
    InvalidArgument, NotFound, FailedPrecondition, Unavailable, ResourceExhausted, Internal, Cancelled,
    DeadlineExceeded, Unimplemented)}
_BY_HTTP_STATUS = {400: InvalidArgument, 404: NotFound, 429: ResourceExhausted, 499: Cancelled, 500: Internal,
                   501: Unimplemented, 503: Unavailable, 504: DeadlineExceeded}


def error_from_grpc(code: grpc.StatusCode, message: str) -> ServingError:
    """The error a client raises for a gRPC status (INVALID_ARGUMENT -> InvalidArgument, ...)."""
    error = _BY_GRPC_CODE.get(code, ServingError)(message)
    error.code = code
    return error


def error_from_http(status: int, message: str) -> ServingError:
    """The error a client raises for a REST error status (400 -> InvalidArgument, 404 -> NotFound, ...)."""
    error = _BY_HTTP_STATUS.get(status, ServingError)(message)
    error.http_status = status
    return error
