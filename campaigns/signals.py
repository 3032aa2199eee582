"""What the campaigns app tells the apps above it. It names none of them: they connect."""

from django.dispatch import Signal

# Sent with ``campaign=`` once a campaign has moved to ended (by its brand, by staff or at
# its end date). The perks app settles it: it counts what the claims still owe and refunds
# the rest of the budget through campaigns.services.refunds.campaign_refund_unused.
campaign_ended = Signal()
