"""Domain errors of the perks app (mapped to HTTP in core/api.py)."""

from core.errors import Conflict, DomainError, PermissionDenied


class PerkInvalid(DomainError):
    code = "perk_invalid"


class CodesInvalid(DomainError):
    """A code file that cannot be used; the message names the lines."""

    code = "codes_invalid"


class PerkSoldOut(Conflict):
    code = "perk_sold_out"


class PerkClosed(Conflict):
    code = "perk_closed"


class AlreadyClaimed(Conflict):
    code = "already_claimed"


class NotEligible(PermissionDenied):
    code = "not_eligible"

    def __init__(self, message: str, *, decision=None) -> None:
        super().__init__(message)
        self.decision = decision


class ClaimNotCancellable(Conflict):
    code = "claim_not_cancellable"
