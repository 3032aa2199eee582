"""The campaigns app's routes: the brand's pages (checkout, invitations, the fairness
report, the brand admin), the member's campaigns, Stripe's webhook, and the API."""

from django.urls import path

from campaigns import api, views, views_fairness, views_stripe
from campaigns.brand_admin import brand_admin_site

urlpatterns = [
    path("stripe/webhook/", views_stripe.stripe_webhook, name="stripe_webhook"),
    path(
        "brand/campaigns/<int:campaign_id>/checkout/",
        views.campaign_checkout,
        name="campaign_checkout",
    ),
    path(
        "brand/invitations/<str:token>/",
        views.brand_invitation,
        name="brand_invitation",
    ),
    path("campaigns/", views.member_campaigns, name="member_campaigns"),
    path(
        "brand/campaigns/<int:campaign_id>/fairness/",
        views_fairness.fairness_page,
        name="campaign_fairness",
    ),
    path("brand-admin/", brand_admin_site.urls),
]

api_urlpatterns = [
    path("brands/", api.BrandListView.as_view(), name="api_brands"),
    path(
        "brands/<slug:slug>/campaigns/",
        api.BrandCampaignsView.as_view(),
        name="api_brand_campaigns",
    ),
    path("campaigns/<int:campaign_id>/", api.CampaignDetailView.as_view(), name="api_campaign"),
    path(
        "campaigns/<int:campaign_id>/transitions/<slug:action>/",
        api.CampaignTransitionView.as_view(),
        name="api_campaign_transition",
    ),
    path(
        "campaigns/<int:campaign_id>/checkout/",
        api.CampaignCheckoutView.as_view(),
        name="api_campaign_checkout",
    ),
    path(
        "campaigns/<int:campaign_id>/eligible/",
        api.CampaignEligibleView.as_view(),
        name="api_campaign_eligible",
    ),
    path(
        "campaigns/preview/",
        api.TargetingPreviewView.as_view(),
        name="api_targeting_preview",
    ),
    path("me/campaigns/", api.MyCampaignsView.as_view(), name="api_my_campaigns"),
    path(
        "me/campaigns/<int:campaign_id>/decision/",
        api.MyDecisionView.as_view(),
        name="api_my_decision",
    ),
    path(
        "campaigns/<int:campaign_id>/fairness/",
        views_fairness.FairnessReportView.as_view(),
        name="api_fairness",
    ),
]
