"""API token authentication that lets a view find the token with a query it makes anyway."""

from __future__ import annotations

from rest_framework import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with one addition: a view that defines
    ``token_lookup(request, key)`` may find the token itself: it returns ``(user, token)``,
    or raises ``AuthenticationFailed`` with DRF's own messages, or returns None to have it
    looked up as usual. The claim does (its read finds
    the token's user along with everything the claim is decided on: one query, not two).
    Every other view looks the token up as DRF does."""

    def authenticate(self, request):
        self.request = request
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        view = (self.request.parser_context or {}).get("view")
        lookup = getattr(view, "token_lookup", None)
        found = lookup(self.request, key) if lookup is not None else None
        return found if found is not None else super().authenticate_credentials(key)
