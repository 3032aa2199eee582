from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from klout.accounts import account_delete as account_delete_everywhere
from klout.api import error_body
from klout.export import member_export
from klout.forms import DeleteAccountForm
from klout.health import check_broker, check_database
from scoring.services import member_for_user


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


@never_cache
@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    """ "Download my data": everything held about the member, as one JSON file."""
    document = member_export(member=member_for_user(user=request.user))
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="klout-fair-my-data-{stamp}.json"'
    return response


@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        account_delete_everywhere(member=member_for_user(user=request.user))
        logout(request)
        messages.success(request, "Your account and everything about you has been deleted.")
        return redirect("home")
    return render(request, "account_delete.html", {"delete_form": form})
