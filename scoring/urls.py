"""The scoring app's routes: the member's pages (dashboard, settings, imports, topics,
profiles) and the member's data over the API (``/api/v1/``)."""

from django.urls import path

from scoring import api, api_topics, views, views_imports, views_topics

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("settings/", views.member_settings, name="member_settings"),
    path("settings/consent/in/", views.consent_opt_in, name="consent_opt_in"),
    path("settings/consent/out/", views.consent_opt_out, name="consent_opt_out"),
    path("settings/profile/", views.profile_change, name="profile_change"),
    path("settings/visibility/", views.visibility_change, name="visibility_change"),
    path(
        "settings/networks/<int:account_id>/disconnect/",
        views.network_disconnect,
        name="network_disconnect",
    ),
    path("settings/api-token/", views.api_token_reset, name="api_token_reset"),
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
]

api_urlpatterns = [
    path("me/", api.MeView.as_view(), name="api_me"),
    path("me/consent/", api.ConsentView.as_view(), name="api_consent"),
    path("me/networks/", api.NetworkAccountListView.as_view(), name="api_networks"),
    path(
        "me/networks/<int:account_id>/",
        api.NetworkAccountDisconnectView.as_view(),
        name="api_network_disconnect",
    ),
    path("imports/", api.ImportListCreateView.as_view(), name="api_imports"),
    path("imports/<int:import_id>/", api.ImportDetailView.as_view(), name="api_import"),
    path("me/score/", api.ScoreView.as_view(), name="api_score"),
    path("me/score/history/", api.ScoreHistoryView.as_view(), name="api_score_history"),
    path("me/activity/", api.ActivityView.as_view(), name="api_activity"),
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
]
