"""The perks app's routes: the brand dashboard (campaigns with their claims), the member's
perks and claims, and the API."""

from django.urls import path

from perks import api
from perks.views import brand, brand_campaign, members

urlpatterns = [
    path("brand/", brand.brand_dashboard, name="brand_dashboard"),
    path(
        "brand/campaigns/<int:campaign_id>/",
        brand_campaign.brand_campaign,
        name="brand_campaign",
    ),
    path(
        "brand/campaigns/<int:campaign_id>/claims.csv",
        brand_campaign.brand_campaign_claims_csv,
        name="brand_campaign_claims_csv",
    ),
    path(
        "brand/claims/<int:claim_id>/shipped/",
        brand_campaign.brand_claim_shipped,
        name="brand_claim_shipped",
    ),
    path("perks/", members.perk_list, name="perk_list"),
    path("perks/<int:perk_id>/", members.perk_detail, name="perk_detail"),
    path("perks/<int:perk_id>/claim/", members.perk_claim, name="perk_claim"),
    path("claims/<int:claim_id>/cancel/", members.claim_cancel, name="claim_cancel"),
    path("claims/<int:claim_id>/confirm/", members.claim_confirm, name="claim_confirm"),
]

api_urlpatterns = [
    path("staff/eligibility/", api.StaffAuditView.as_view(), name="api_staff_audit"),
    path("perks/", api.PerkOffersView.as_view(), name="api_perks"),
    path("perks/<int:perk_id>/claims/", api.PerkClaimView.as_view(), name="api_perk_claim"),
    path("me/claims/", api.MyClaimsView.as_view(), name="api_my_claims"),
    path(
        "me/claims/<int:claim_id>/confirm/",
        api.ClaimConfirmView.as_view(),
        name="api_claim_confirm",
    ),
    path(
        "me/claims/<int:claim_id>/cancel/",
        api.ClaimCancelView.as_view(),
        name="api_claim_cancel",
    ),
]
