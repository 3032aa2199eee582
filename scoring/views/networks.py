"""Live networks: connect Bluesky by signing in, follow an account's sync, "Sync now".
Thin: the form validates, the services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.errors import DomainError
from scoring import services
from scoring.forms import BlueskyConnectForm
from scoring.models import NetworkAccount
from scoring.selectors.members import member_sync_progress
from scoring.services.sync import bluesky_connect, network_account_sync_request, syncs


@login_required
def bluesky_connect_page(request: HttpRequest) -> HttpResponse:
    member = services.member_for_user(user=request.user)
    form = BlueskyConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = bluesky_connect(member=member, **form.cleaned_data)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Connected {account.handle}. Reading your posts now.")
            return redirect("network_sync", account_id=account.pk)
    return render(request, "scoring/bluesky_connect.html", {"form": form, "member": member})


def _own(request: HttpRequest, account_id: int) -> NetworkAccount:
    return get_object_or_404(
        NetworkAccount.objects.select_related("sync", "member"),
        pk=account_id,
        member__user=request.user,
    )


@login_required
def network_sync(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _own(request, account_id)
    context = {
        "account": account,
        "progress": member_sync_progress(account=account),
        "live": syncs(account.network),
        "member": account.member,
    }
    return render(request, "scoring/network_sync.html", context)


@never_cache
@login_required
def network_sync_progress(request: HttpRequest, account_id: int) -> JsonResponse:
    return JsonResponse(member_sync_progress(account=_own(request, account_id)))


@login_required
@require_POST
def network_sync_now(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _own(request, account_id)
    try:
        network_account_sync_request(account=account)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Syncing {account.handle or account.external_id}.")
    return redirect("network_sync", account_id=account.pk)
