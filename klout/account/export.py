""" "Download my data": one JSON document with everything held about a member.

Each app contributes its own section through its selectors; the project assembles them, so
the import arrows stay as designed (ARCHITECTURE.md).
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from campaigns.selectors.brands import member_export_section as campaigns_section
from perks.selectors.export import member_export_section as perks_section
from scoring.models import Member
from scoring.selectors import member_export_section as scoring_section
from scoring.selectors import user_api_token

EXPORT_FORMAT_VERSION = 1


def _login_section(user) -> dict:
    if user is None:
        return {}
    token = user_api_token(user=user)
    return {
        "email": user.email,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_staff": user.is_staff,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "social_logins": [
            {"provider": s.provider, "uid": s.uid, "date_joined": s.date_joined.isoformat()}
            for s in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        "api_token_created": token.created.isoformat() if token else None,
    }


def member_export(*, member: Member) -> dict:
    user = member.user
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "login": _login_section(user),
        **scoring_section(member=member),
        **campaigns_section(user=user),
        **perks_section(member=member),
    }
