"""Leaving the site: the one place that deletes a member across every app, so the import
arrows stay as designed (each app forgets its own part)."""

from __future__ import annotations

from django.db import transaction

from campaigns.services import user_brand_staff_forget
from scoring.models import Member
from scoring.services import member_delete


@transaction.atomic
def account_delete(*, member: Member) -> None:
    """Delete the member and everything personal about them in every app."""
    if member.user_id:
        user_brand_staff_forget(user=member.user)
    member_delete(member=member)


def password_confirms(*, user, password: str) -> bool:
    """Deleting an account asks for the password again, when the user has one."""
    return not user.has_usable_password() or user.check_password(password or "")
