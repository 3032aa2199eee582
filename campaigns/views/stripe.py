"""The Stripe webhook endpoint. Authenticated by its signature, not by a session; a forged,
stale or malformed event is refused with a clear error and changes nothing."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from campaigns.services.stripe import stripe_event_receive
from core.api import error_body
from core.errors import DomainError


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    try:
        event, created = stripe_event_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except DomainError as error:
        fields = {error.field: [error.message]} if error.field else {}
        body = error_body(
            status_code=error.status, code=error.code, message=error.message, fields=fields
        )
        return JsonResponse(body, status=error.status)
    return JsonResponse({"received": event.event_id, "duplicate": not created})
