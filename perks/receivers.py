"""Signals of the apps below, turned into service calls. No rules here: the services hold them."""

from __future__ import annotations

from django.dispatch import receiver

from campaigns.signals import campaign_ended
from perks.services.settlement import campaign_settle


@receiver(campaign_ended, dispatch_uid="perks.campaign_settle")
def settle_ended_campaign(sender, *, campaign, **kwargs) -> None:
    campaign_settle(campaign=campaign)
