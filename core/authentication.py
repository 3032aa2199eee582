"""API token authentication that lets a view find the token with a query it makes anyway."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

# What a view's token_lookup returns when it does not look the token up on this request.
AS_USUAL = object()


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with one addition: a view that defines
    ``token_lookup(request, key)`` may find the token itself, with a query it makes anyway.
    It returns the token (its ``user`` loaded), None when there is no such token, or
    ``AS_USUAL`` to have it looked up as DRF does. The answers are DRF's either way (the same
    401s). The perk claim does this: its read finds the token's user along with everything
    the claim is decided on, one query instead of two."""

    def authenticate(self, request):
        self.request = request
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        request = getattr(self, "request", None)
        view = (getattr(request, "parser_context", None) or {}).get("view")
        lookup = getattr(view, "token_lookup", None)
        token = lookup(request, key) if lookup is not None else AS_USUAL
        if token is AS_USUAL:
            return super().authenticate_credentials(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
