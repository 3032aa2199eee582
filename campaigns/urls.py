"""The campaigns app's routes: the brand's pages (checkout, invitations, the fairness
report, the brand admin), the member's campaigns, Stripe's webhook, and the API."""

from django.urls import path

from campaigns.api import brands as brands_api
from campaigns.api import campaigns as campaigns_api
from campaigns.api import fairness as fairness_api
from campaigns.api import members as members_api
from campaigns.api import targeting as targeting_api
from campaigns.brand_admin import brand_admin_site
from campaigns.views import brands, fairness, offers, stripe

urlpatterns = [
    path("stripe/webhook/", stripe.stripe_webhook, name="stripe_webhook"),
    path(
        "brand/campaigns/<int:campaign_id>/checkout/",
        brands.campaign_checkout,
        name="campaign_checkout",
    ),
    path(
        "brand/invitations/<str:token>/",
        brands.brand_invitation,
        name="brand_invitation",
    ),
    path("campaigns/", offers.member_campaigns, name="member_campaigns"),
    path(
        "brand/campaigns/<int:campaign_id>/fairness/",
        fairness.fairness_page,
        name="campaign_fairness",
    ),
    path("brand-admin/", brand_admin_site.urls),
]

api_urlpatterns = [
    path("brands/", brands_api.BrandListView.as_view(), name="api_brands"),
    path(
        "brands/<slug:slug>/campaigns/",
        brands_api.BrandCampaignsView.as_view(),
        name="api_brand_campaigns",
    ),
    path(
        "campaigns/<int:campaign_id>/",
        campaigns_api.CampaignDetailView.as_view(),
        name="api_campaign",
    ),
    path(
        "campaigns/<int:campaign_id>/transitions/<slug:action>/",
        campaigns_api.CampaignTransitionView.as_view(),
        name="api_campaign_transition",
    ),
    path(
        "campaigns/<int:campaign_id>/checkout/",
        campaigns_api.CampaignCheckoutView.as_view(),
        name="api_campaign_checkout",
    ),
    path(
        "campaigns/<int:campaign_id>/eligible/",
        campaigns_api.CampaignEligibleView.as_view(),
        name="api_campaign_eligible",
    ),
    path(
        "campaigns/preview/",
        targeting_api.TargetingPreviewView.as_view(),
        name="api_targeting_preview",
    ),
    path("me/campaigns/", members_api.MyCampaignsView.as_view(), name="api_my_campaigns"),
    path(
        "me/campaigns/<int:campaign_id>/decision/",
        members_api.MyDecisionView.as_view(),
        name="api_my_decision",
    ),
    path(
        "campaigns/<int:campaign_id>/fairness/",
        fairness_api.FairnessReportView.as_view(),
        name="api_fairness",
    ),
]
