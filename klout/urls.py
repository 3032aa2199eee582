from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from campaigns import api as campaigns_api
from campaigns import views as campaign_views
from campaigns import views_fairness, views_stripe
from campaigns.brand_admin import brand_admin_site
from klout import api_account, views
from perks import api as perks_api
from perks import views as perk_views
from scoring import api as scoring_api
from scoring import api_topics, views_imports, views_topics
from scoring import views as scoring_views

admin.site.site_header = "Klout Fair: site staff"
admin.site.site_title = "Klout Fair admin"

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("me/", scoring_api.MeView.as_view(), name="api_me"),
    path("me/consent/", scoring_api.ConsentView.as_view(), name="api_consent"),
    path("me/networks/", scoring_api.NetworkAccountListView.as_view(), name="api_networks"),
    path(
        "me/networks/<int:account_id>/",
        scoring_api.NetworkAccountDisconnectView.as_view(),
        name="api_network_disconnect",
    ),
    path("imports/", scoring_api.ImportListCreateView.as_view(), name="api_imports"),
    path("imports/<int:import_id>/", scoring_api.ImportDetailView.as_view(), name="api_import"),
    path("me/score/", scoring_api.ScoreView.as_view(), name="api_score"),
    path("me/score/history/", scoring_api.ScoreHistoryView.as_view(), name="api_score_history"),
    path("me/activity/", scoring_api.ActivityView.as_view(), name="api_activity"),
    path("topics/", api_topics.TopicListView.as_view(), name="api_topics"),
    path("me/topics/", api_topics.MyTopicsView.as_view(), name="api_my_topics"),
    path("me/topics/<slug:slug>/hide/", api_topics.TopicHideView.as_view(), name="api_topic_hide"),
    path(
        "me/topics/<slug:slug>/restore/",
        api_topics.TopicRestoreView.as_view(),
        name="api_topic_restore",
    ),
    path(
        "me/topics/<slug:slug>/disputes/",
        api_topics.TopicDisputeView.as_view(),
        name="api_topic_dispute",
    ),
    path("me/disputes/", api_topics.MyDisputesView.as_view(), name="api_my_disputes"),
    path("me/plus-k/", api_topics.MyPlusKView.as_view(), name="api_my_plus_k"),
    path("people/<uuid:public_id>/", api_topics.ProfileView.as_view(), name="api_profile"),
    path(
        "people/<uuid:public_id>/topics/<slug:slug>/plus-k/",
        api_topics.PlusKGiveView.as_view(),
        name="api_plus_k_give",
    ),
    path("brands/", campaigns_api.BrandListView.as_view(), name="api_brands"),
    path(
        "brands/<slug:slug>/campaigns/",
        campaigns_api.BrandCampaignsView.as_view(),
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
        campaigns_api.TargetingPreviewView.as_view(),
        name="api_targeting_preview",
    ),
    path("me/campaigns/", campaigns_api.MyCampaignsView.as_view(), name="api_my_campaigns"),
    path(
        "me/campaigns/<int:campaign_id>/decision/",
        campaigns_api.MyDecisionView.as_view(),
        name="api_my_decision",
    ),
    path("staff/eligibility/", perks_api.StaffAuditView.as_view(), name="api_staff_audit"),
    path("perks/", perks_api.PerkOffersView.as_view(), name="api_perks"),
    path("perks/<int:perk_id>/claims/", perks_api.PerkClaimView.as_view(), name="api_perk_claim"),
    path("me/claims/", perks_api.MyClaimsView.as_view(), name="api_my_claims"),
    path(
        "me/claims/<int:claim_id>/confirm/",
        perks_api.ClaimConfirmView.as_view(),
        name="api_claim_confirm",
    ),
    path(
        "me/claims/<int:claim_id>/cancel/",
        perks_api.ClaimCancelView.as_view(),
        name="api_claim_cancel",
    ),
    path("ping/", api_account.PingView.as_view(), name="api_ping"),
    path(
        "campaigns/<int:campaign_id>/fairness/",
        views_fairness.FairnessReportView.as_view(),
        name="api_fairness",
    ),
    path("me/export/", api_account.ExportView.as_view(), name="api_export"),
    path("me/delete/", api_account.AccountDeleteView.as_view(), name="api_account_delete"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("dashboard/", scoring_views.dashboard, name="dashboard"),
    path("settings/", scoring_views.member_settings, name="member_settings"),
    path("settings/consent/in/", scoring_views.consent_opt_in, name="consent_opt_in"),
    path("settings/consent/out/", scoring_views.consent_opt_out, name="consent_opt_out"),
    path("settings/profile/", scoring_views.profile_change, name="profile_change"),
    path("settings/visibility/", scoring_views.visibility_change, name="visibility_change"),
    path(
        "settings/networks/<int:account_id>/disconnect/",
        scoring_views.network_disconnect,
        name="network_disconnect",
    ),
    path("settings/export/", views.data_export, name="data_export"),
    path("settings/delete/", views.account_delete, name="account_delete"),
    path("settings/api-token/", scoring_views.api_token_reset, name="api_token_reset"),
    path("imports/", views_imports.member_imports, name="member_imports"),
    path("imports/<int:import_id>/", views_imports.import_detail, name="import_detail"),
    path(
        "imports/<int:import_id>/progress.json",
        views_imports.import_progress,
        name="import_progress",
    ),
    path("staff/imports/", views_imports.staff_imports, name="staff_imports"),
    path("topics/<slug:slug>/hide/", views_topics.topic_hide, name="topic_hide"),
    path("topics/<slug:slug>/restore/", views_topics.topic_restore, name="topic_restore"),
    path("topics/<slug:slug>/dispute/", views_topics.topic_dispute, name="topic_dispute"),
    path("people/<uuid:public_id>/", views_topics.profile, name="profile"),
    path(
        "people/<uuid:public_id>/topics/<slug:slug>/plus-k/",
        views_topics.plus_k_give,
        name="plus_k_give",
    ),
    path("brand/", campaign_views.brand_dashboard, name="brand_dashboard"),
    path("stripe/webhook/", views_stripe.stripe_webhook, name="stripe_webhook"),
    path(
        "brand/campaigns/<int:campaign_id>/checkout/",
        campaign_views.campaign_checkout,
        name="campaign_checkout",
    ),
    path(
        "brand/invitations/<str:token>/",
        campaign_views.brand_invitation,
        name="brand_invitation",
    ),
    path("campaigns/", campaign_views.member_campaigns, name="member_campaigns"),
    path(
        "brand/campaigns/<int:campaign_id>/fairness/",
        views_fairness.fairness_page,
        name="campaign_fairness",
    ),
    path("perks/", perk_views.perk_list, name="perk_list"),
    path("perks/<int:perk_id>/", perk_views.perk_detail, name="perk_detail"),
    path("perks/<int:perk_id>/claim/", perk_views.perk_claim, name="perk_claim"),
    path("claims/<int:claim_id>/cancel/", perk_views.claim_cancel, name="claim_cancel"),
    path("claims/<int:claim_id>/confirm/", perk_views.claim_confirm, name="claim_confirm"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("brand-admin/", brand_admin_site.urls),
    path("api/v1/", include(api_v1)),
]

handler404 = "klout.views.page_not_found"
handler500 = "klout.views.server_error"
