"""Live networks: connect Bluesky by signing in and Mastodon by OAuth on the member's
instance, follow an account's sync, "Sync now". Thin: the form validates, the services
decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.errors import DomainError
from scoring import services
from scoring.forms import BlueskyConnectForm, MastodonConnectForm
from scoring.models import NetworkAccount
from scoring.networks import network_for
from scoring.selectors.members import member_sync_progress
from scoring.services.connectors import syncs
from scoring.services.mastodon_connect import mastodon_connect_finish, mastodon_connect_start
from scoring.services.sync import bluesky_connect, network_account_sync_request


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


def _mastodon_return(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("mastodon_callback"))


@login_required
def mastodon_connect_page(request: HttpRequest) -> HttpResponse:
    member = services.member_for_user(user=request.user)
    form = MastodonConnectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            url = mastodon_connect_start(
                member=member,
                instance=form.cleaned_data["instance"],
                redirect_uri=_mastodon_return(request),
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return redirect(url)
    return render(request, "scoring/mastodon_connect.html", {"form": form, "member": member})


@login_required
def mastodon_callback(request: HttpRequest) -> HttpResponse:
    """Back from the member's instance, approved or not."""
    member = services.member_for_user(user=request.user)
    try:
        account = mastodon_connect_finish(
            member=member,
            state=request.GET.get("state", ""),
            code=request.GET.get("code", ""),
            error=request.GET.get("error", ""),
            redirect_uri=_mastodon_return(request),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("mastodon_connect")
    messages.success(request, f"Connected {account.handle}. Reading your posts now.")
    return redirect("network_sync", account_id=account.pk)


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
        "network": network_for(account.network),
        "progress": member_sync_progress(account=account),
        "live": syncs(account.network),
        "member": account.member,
        "reconnect_url": _reconnect_url(account),
    }
    return render(request, "scoring/network_sync.html", context)


def _reconnect_url(account: NetworkAccount) -> str:
    """Where the member gives their access again when it stopped working."""
    named = {
        "bluesky": "bluesky_connect",
        "mastodon": "mastodon_connect",
        "facebook_page": "facebook_page_connect",
        "blog": "blog_connect",
    }
    if account.network in named:
        return reverse(named[account.network])
    provider = network_for(account.network).provider_id
    return f"{reverse(f'{provider}_login')}?process=connect" if provider else ""


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
