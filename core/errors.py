"""The base of every domain error. Apps subclass it; the API maps it to HTTP in one place."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the operation. ``code`` is stable for API clients."""

    code = "domain_error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "permission_denied"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409
