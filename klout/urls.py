from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from campaigns import views as campaign_views
from klout import api_account, views
from scoring import api as scoring_api
from scoring import views as scoring_views
from scoring import views_imports

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
    path("brand/", campaign_views.brand_dashboard, name="brand_dashboard"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]

handler404 = "klout.views.page_not_found"
handler500 = "klout.views.server_error"
