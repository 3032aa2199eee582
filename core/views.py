"""The pages every site has: the front door, health, and the error pages (the same JSON
error body as every API error under /api/, a page elsewhere)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from core.api import error_body
from core.health import check_broker, check_database


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "home.html")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404: the same JSON error body as every API error under /api/, a page elsewhere."""
    if _is_api(request):
        return JsonResponse(
            error_body(status_code=404, code="not_found", message="Not found."), status=404
        )
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body(status_code=500, code="server_error", message="Server error."), status=500
        )
    return render(request, "500.html", status=500)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker reachability: 200 when both are reachable, 503 when not."""
    checks = {"database": check_database(), "broker": check_broker()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
