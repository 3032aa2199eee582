"""API plumbing shared by every app: one exception handler, one error body shape, and the
smallest authenticated call.

Every error response is ``{"error": {"status": int, "code": str, "message": str,
"fields": {field: [messages]}}}`` whatever raised it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def _flatten(detail) -> tuple[str, dict]:
    if isinstance(detail, dict):
        fields = {
            key: [str(m) for m in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
        general = fields.pop("non_field_errors", None)
        if general:
            return general[0], fields
        first_field, messages = next(iter(fields.items()), ("", [""]))
        return f"{first_field}: {messages[0]}" if first_field else "Invalid input.", fields
    if isinstance(detail, list):
        return (str(detail[0]) if detail else "Invalid input."), {}
    return str(detail), {}


def error_body(*, status_code: int, code: str, message: str, fields: dict | None = None) -> dict:
    return {
        "error": {"status": status_code, "code": code, "message": message, "fields": fields or {}}
    }


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        fields = {exc.field: [exc.message]} if exc.field else {}
        body = error_body(status_code=exc.status, code=exc.code, message=exc.message, fields=fields)
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "invalid")
        message, fields = _flatten(exc.detail)
    else:  # pragma: no cover - DRF only returns responses for APIException subclasses
        code, message, fields = "error", "Error.", {}
    response.data = error_body(
        status_code=response.status_code, code=code, message=message, fields=fields
    )
    return response


class PingView(APIView):
    """The smallest authenticated call: who am I. Clients use it to check a token; the
    claims benchmark uses it as its anchor."""

    @extend_schema(
        responses=inline_serializer("Ping", {"user": serializers.IntegerField()}),
    )
    def get(self, request):
        return Response({"user": request.user.pk})
