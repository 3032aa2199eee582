"""Member pages: dashboard and settings. Thin: forms validate, services write."""

from __future__ import annotations

from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.errors import DomainError
from scoring import services
from scoring.forms import ConsentForm, ProfileForm, VisibilityForm
from scoring.models import NetworkAccount
from scoring.networks import network_for_provider
from scoring.selectors.members import (
    member_activity_summary,
    member_network_accounts,
    user_api_token,
)
from scoring.selectors.scores import (
    history_chart,
    member_score_history,
    member_statement,
    score_components,
)
from scoring.selectors.topics import evidence_bar, member_topics
from scoring.services.connectors import LIVE_NETWORKS


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    member = services.member_for_user(user=request.user)
    history = member_score_history(member=member) if member.is_opted_in else []
    statement = member_statement(member=member) if member.is_opted_in else None
    context = {
        "member": member,
        "accounts": list(member_network_accounts(member=member)),
        "components": score_components(statement.current) if statement else [],
        "activity": member_activity_summary(member=member),
        "consent_form": ConsentForm(),
        "statement": statement,
        "chart": history_chart(history),
        "history": history,
        "topics": member_topics(member=member, include_hidden=True),
        "bar": evidence_bar(),
    }
    return render(request, "scoring/dashboard.html", context)


LOGIN_ONLY_NETWORKS = ("facebook", "linkedin")  # connected to log in with, never read


def _connectable_providers(request: HttpRequest) -> list[dict]:
    providers = []
    for provider in get_social_adapter().list_providers(request):
        network = network_for_provider(provider.id)
        if network is not None:
            providers.append({"provider": provider, "network": network})
    return providers


@login_required
def member_settings(request: HttpRequest) -> HttpResponse:
    member = services.member_for_user(user=request.user)
    accounts = list(member_network_accounts(member=member))
    context = {
        "member": member,
        "accounts": accounts,
        "connected_networks": {account.network for account in accounts},
        "login_only_networks": LOGIN_ONLY_NETWORKS,
        "consent_events": list(member.consent_events.all()),
        "consent_form": ConsentForm(),
        "visibility_form": VisibilityForm(initial={"visibility": member.visibility}),
        "profile_form": ProfileForm(initial={"display_name": member.display_name}),
        "providers": _connectable_providers(request),
        "api_token": user_api_token(user=request.user),
        "live_networks": LIVE_NETWORKS,
    }
    return render(request, "scoring/settings.html", context)


@login_required
@require_POST
def consent_opt_in(request: HttpRequest) -> HttpResponse:
    member = services.member_for_user(user=request.user)
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.member_opt_in(member=member)
        messages.success(request, "You are opted in. Your score appears within a few minutes.")
    else:
        messages.error(request, form.errors["opt_in"][0])
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("member_settings")
    return redirect(target)


@login_required
@require_POST
def consent_opt_out(request: HttpRequest) -> HttpResponse:
    services.member_opt_out(member=services.member_for_user(user=request.user))
    messages.success(request, "You are opted out. You are no longer scored.")
    return redirect("member_settings")


@login_required
@require_POST
def visibility_change(request: HttpRequest) -> HttpResponse:
    member = services.member_for_user(user=request.user)
    form = VisibilityForm(request.POST)
    if form.is_valid():
        services.member_update(member=member, visibility=form.cleaned_data["visibility"])
        messages.success(request, f"Score visibility: {member.get_visibility_display()}.")
    else:
        messages.error(request, "Choose one of the visibility options.")
    return redirect("member_settings")


@login_required
@require_POST
def profile_change(request: HttpRequest) -> HttpResponse:
    member = services.member_for_user(user=request.user)
    form = ProfileForm(request.POST)
    if form.is_valid():
        services.member_update(member=member, display_name=form.cleaned_data["display_name"])
        messages.success(request, "Profile saved.")
    else:
        messages.error(request, f"Display name: {form.errors['display_name'][0]}")
    return redirect("member_settings")


@login_required
@require_POST
def network_disconnect(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_object_or_404(NetworkAccount, pk=account_id, member__user=request.user)
    label = str(account)
    try:
        services.network_account_disconnect(account=account)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Disconnected {label}. Its data no longer counts.")
    return redirect("member_settings")


@login_required
@require_POST
def api_token_reset(request: HttpRequest) -> HttpResponse:
    if request.POST.get("action") == "revoke":
        services.api_token_revoke(user=request.user)
        messages.success(request, "Your API token is revoked.")
    else:
        token = services.api_token_rotate(user=request.user)
        messages.success(request, f"Your new API token: {token.key}. Keep it secret.")
    return redirect("member_settings")
