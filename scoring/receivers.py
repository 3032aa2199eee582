"""allauth signals, turned into service calls. No rules here: the services hold them."""

from __future__ import annotations

from allauth.account.signals import user_signed_up
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.signals import (
    social_account_added,
    social_account_removed,
    social_account_updated,
)
from django.dispatch import receiver

from scoring.models import NetworkAccount
from scoring.networks import network_for_provider
from scoring.services import member_for_user, network_account_connect, network_account_disconnect
from scoring.services.oauth_connect import oauth_login_keep


def _handle(social_account) -> str:
    """The account's display name as the provider shows it (allauth knows each provider's
    fields); from the raw profile when the provider app is not configured any more."""
    try:
        return str(social_account.get_provider_account().to_str() or "")
    except SocialApp.DoesNotExist:
        extra = social_account.extra_data or {}
        return str(extra.get("username") or extra.get("screen_name") or extra.get("name") or "")


def _link(social_account, token=None) -> None:
    network = network_for_provider(social_account.provider)
    if network is None:
        return
    member = member_for_user(user=social_account.user)
    account = network_account_connect(
        member=member,
        network=network.slug,
        external_id=str(social_account.uid),
        handle=_handle(social_account)[:191],
        source=NetworkAccount.Source.OAUTH,
    )
    if token is not None:
        oauth_login_keep(account=account, token=token)


@receiver(user_signed_up, dispatch_uid="scoring_member_on_signup")
def member_on_signup(sender, request, user, **kwargs) -> None:
    member_for_user(user=user)
    sociallogin = kwargs.get("sociallogin")
    if sociallogin is not None:
        _link(sociallogin.account, getattr(sociallogin, "token", None))


@receiver(social_account_added, dispatch_uid="scoring_network_on_social_added")
def network_on_social_added(sender, request, sociallogin, **kwargs) -> None:
    _link(sociallogin.account, getattr(sociallogin, "token", None))


@receiver(social_account_updated, dispatch_uid="scoring_network_on_social_updated")
def network_on_social_updated(sender, request, sociallogin, **kwargs) -> None:
    """Logged in again with the network (or connected again to grant more): the new token
    replaces the old one."""
    _link(sociallogin.account, getattr(sociallogin, "token", None))


@receiver(social_account_removed, dispatch_uid="scoring_network_on_social_removed")
def network_on_social_removed(sender, request, socialaccount, **kwargs) -> None:
    network = network_for_provider(socialaccount.provider)
    if network is None:
        return
    account = NetworkAccount.objects.filter(
        network=network.slug, external_id=str(socialaccount.uid), member__user=socialaccount.user
    ).first()
    if account is not None:
        network_account_disconnect(account=account)
