"""A local HTTP fake of the few Stripe endpoints the app calls, for the official library to
talk to in tests (no test ever reaches Stripe), and real webhook signatures."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from urllib.parse import parse_qsl

from tests.http_fake import HttpFake

WEBHOOK_SECRET = "whsec_test_secret_for_the_suite"


def _nest(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (``a[b][0][c]=v``) back into nested dicts."""
    out: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class StripeFake(HttpFake):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict] = []
        self.fail_next: int | None = None  # HTTP status for the next call
        self.refund_status_next: str | None = None  # e.g. "failed", for the next refund
        self._ids = itertools.count(1)
        self._by_key: dict[str, tuple[int, dict]] = {}

    def answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict, dict]:
        form = _nest(parse_qsl(body.decode()))
        status, data = self.handle(path, form, dict(headers))
        return status, data, {}

    def _refund_status(self) -> str:
        status, self.refund_status_next = self.refund_status_next or "succeeded", None
        return status

    def handle(self, path: str, form: dict, headers: dict) -> tuple[int, dict]:
        key = headers.get("Idempotency-Key")
        self.requests.append({"path": path, "form": form, "idempotency_key": key})
        if key and key in self._by_key:
            return self._by_key[key]
        if self.fail_next:
            status, self.fail_next = self.fail_next, None
            return status, {"error": {"type": "api_error", "message": "fake failure"}}
        n = next(self._ids)
        if path == "/v1/checkout/sessions":
            item = form["line_items"]["0"]["price_data"]
            answer = (
                200,
                {
                    "id": f"cs_test_{n}",
                    "object": "checkout.session",
                    "url": f"https://checkout.stripe.test/c/pay/cs_test_{n}",
                    "status": "open",
                    "payment_status": "unpaid",
                    "amount_total": int(item["unit_amount"]),
                    "currency": item["currency"],
                    "client_reference_id": form.get("client_reference_id"),
                    "metadata": form.get("metadata", {}),
                },
            )
        elif path == "/v1/refunds":
            answer = (
                200,
                {
                    "id": f"re_test_{n}",
                    "object": "refund",
                    "status": self._refund_status(),
                    "amount": int(form["amount"]),
                    "payment_intent": form.get("payment_intent"),
                },
            )
        else:
            answer = 404, {"error": {"type": "invalid_request_error", "message": path}}
        if key:
            self._by_key[key] = answer
        return answer


def signed(
    event: dict, *, secret: str = WEBHOOK_SECRET, at: int | None = None
) -> tuple[bytes, str]:
    """The body and a real ``Stripe-Signature`` header for it (v1 scheme)."""
    body = json.dumps(event)
    ts = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{ts}.{body}".encode(), hashlib.sha256).hexdigest()
    return body.encode(), f"t={ts},v1={mac}"


def session_event(event_id: str, kind: str, session: dict, **changes) -> dict:
    """A Stripe event about a checkout session, as Stripe sends it."""
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": {**session, **changes}},
    }
