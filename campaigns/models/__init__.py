"""The campaigns app's models, split by sub-domain."""

from campaigns.models.brands import ROLE_RANK, Brand, BrandInvitation, BrandMembership, BrandRole
from campaigns.models.campaigns import (
    Campaign,
    CampaignEvent,
    CampaignStatus,
    CampaignTopic,
    FairnessSnapshot,
    TopicMode,
)
from campaigns.models.funding import Payment, Refund, StripeEvent

__all__ = [
    "ROLE_RANK",
    "Brand",
    "BrandInvitation",
    "BrandMembership",
    "BrandRole",
    "Campaign",
    "CampaignEvent",
    "CampaignStatus",
    "CampaignTopic",
    "FairnessSnapshot",
    "Payment",
    "Refund",
    "StripeEvent",
    "TopicMode",
]
