"""django-allauth's social account adapter: a social login never takes a network account
that another member holds by proof."""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from scoring.models import NetworkAccount
from scoring.networks import network_for_provider


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin) -> None:
        """Refuse, before anything is saved, to link a network account that another member
        holds by proof (their own login with it): the member sees why instead of an error
        page. A claim on weaker evidence (an archive, a typed id) yields to the login."""
        network = network_for_provider(sociallogin.account.provider)
        if network is None:
            return
        holder = (
            NetworkAccount.objects.filter(
                network=network.slug, external_id=str(sociallogin.account.uid)
            )
            .select_related("member")
            .first()
        )
        user = request.user if request.user.is_authenticated else sociallogin.user
        stronger = holder is not None and not NetworkAccount.outranks(
            NetworkAccount.Source.OAUTH, holder.source
        )
        if stronger and holder.member.user_id not in (None, getattr(user, "pk", None)):
            messages.error(
                request, f"This {network.label} account is already connected to another member."
            )
            target = "member_settings" if request.user.is_authenticated else "account_login"
            raise ImmediateHttpResponse(redirect(target))

    def get_connect_redirect_url(self, request, socialaccount) -> str:
        """After connecting a network that is read live (X), its sync page, where the member
        watches the first sync and reads what the network did not allow; else the networks
        list."""
        from scoring.services.connectors import syncs

        network = network_for_provider(socialaccount.provider)
        if network is not None and syncs(network.slug):
            account = NetworkAccount.objects.filter(
                network=network.slug, external_id=str(socialaccount.uid), member__user=request.user
            ).first()
            if account is not None:
                return reverse("network_sync", args=[account.pk])
        return f"{reverse('member_settings')}#networks"
