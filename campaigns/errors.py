"""Domain errors of the campaigns app (mapped to HTTP in one place, core/api.py)."""

from core.errors import Conflict, DomainError, PermissionDenied


class CampaignInvalid(DomainError):
    """Bad campaign data; ``field`` names the field."""

    code = "campaign_invalid"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class RoleRequired(PermissionDenied):
    code = "role_required"


class FundingUnavailable(DomainError):
    code = "funding_unavailable"


class StripeEventInvalid(DomainError):
    """A webhook that is not a verifiable Stripe event: forged, stale or malformed."""

    code = "stripe_event_invalid"


class InvitationInvalid(DomainError):
    code = "invitation_invalid"
