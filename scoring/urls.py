"""The scoring app's routes: the member's pages (dashboard, settings, imports, topics,
profiles) and the member's data over the API (``/api/v1/``)."""

from django.urls import path

from scoring.api import imports as import_api
from scoring.api import members as member_api
from scoring.api import networks as network_api
from scoring.api import scores as score_api
from scoring.api import topics as topic_api
from scoring.views import imports as import_pages
from scoring.views import members as member_pages
from scoring.views import networks as network_pages
from scoring.views import sites as site_pages
from scoring.views import topics as topic_pages

urlpatterns = [
    path("dashboard/", member_pages.dashboard, name="dashboard"),
    path(
        "settings/networks/bluesky/connect/",
        network_pages.bluesky_connect_page,
        name="bluesky_connect",
    ),
    path(
        "settings/networks/mastodon/connect/",
        network_pages.mastodon_connect_page,
        name="mastodon_connect",
    ),
    path(
        "settings/networks/mastodon/callback/",
        network_pages.mastodon_callback,
        name="mastodon_callback",
    ),
    path("settings/networks/blog/connect/", site_pages.blog_connect_page, name="blog_connect"),
    path(
        "settings/networks/blog/<int:site_id>/prove/",
        site_pages.blog_prove_page,
        name="blog_prove",
    ),
    path(
        "settings/networks/facebook-page/connect/",
        site_pages.facebook_page_connect_page,
        name="facebook_page_connect",
    ),
    path("webmention/", site_pages.webmention_endpoint, name="webmention"),
    path(
        "settings/networks/<int:account_id>/sync/", network_pages.network_sync, name="network_sync"
    ),
    path(
        "settings/networks/<int:account_id>/sync/progress.json",
        network_pages.network_sync_progress,
        name="network_sync_progress",
    ),
    path(
        "settings/networks/<int:account_id>/sync/now/",
        network_pages.network_sync_now,
        name="network_sync_now",
    ),
    path("settings/", member_pages.member_settings, name="member_settings"),
    path("settings/consent/in/", member_pages.consent_opt_in, name="consent_opt_in"),
    path("settings/consent/out/", member_pages.consent_opt_out, name="consent_opt_out"),
    path("settings/profile/", member_pages.profile_change, name="profile_change"),
    path("settings/visibility/", member_pages.visibility_change, name="visibility_change"),
    path(
        "settings/networks/<int:account_id>/disconnect/",
        member_pages.network_disconnect,
        name="network_disconnect",
    ),
    path("settings/api-token/", member_pages.api_token_reset, name="api_token_reset"),
    path("imports/", import_pages.member_imports, name="member_imports"),
    path("imports/<int:import_id>/", import_pages.import_detail, name="import_detail"),
    path(
        "imports/<int:import_id>/progress.json",
        import_pages.import_progress,
        name="import_progress",
    ),
    path("staff/imports/", import_pages.staff_imports, name="staff_imports"),
    path("topics/<slug:slug>/hide/", topic_pages.topic_hide, name="topic_hide"),
    path("topics/<slug:slug>/restore/", topic_pages.topic_restore, name="topic_restore"),
    path("topics/<slug:slug>/dispute/", topic_pages.topic_dispute, name="topic_dispute"),
    path("people/", topic_pages.people_search_page, name="people_search"),
    path("people/<uuid:public_id>/", topic_pages.profile, name="profile"),
    path(
        "people/<uuid:public_id>/topics/<slug:slug>/plus-k/",
        topic_pages.plus_k_give,
        name="plus_k_give",
    ),
]

api_urlpatterns = [
    path("me/", member_api.MeView.as_view(), name="api_me"),
    path("me/consent/", member_api.ConsentView.as_view(), name="api_consent"),
    path("me/networks/", member_api.NetworkAccountListView.as_view(), name="api_networks"),
    path(
        "me/networks/<int:account_id>/",
        member_api.NetworkAccountDisconnectView.as_view(),
        name="api_network_disconnect",
    ),
    path("me/networks/bluesky/", network_api.BlueskyConnectView.as_view(), name="api_bluesky"),
    path("me/networks/mastodon/", network_api.MastodonConnectView.as_view(), name="api_mastodon"),
    path("me/networks/blog/", network_api.BlogClaimView.as_view(), name="api_blog"),
    path(
        "me/networks/blog/<int:site_id>/prove/",
        network_api.BlogProveView.as_view(),
        name="api_blog_prove",
    ),
    path(
        "me/networks/facebook-pages/",
        network_api.FacebookPagesView.as_view(),
        name="api_facebook_pages",
    ),
    path(
        "me/networks/<int:account_id>/sync/",
        network_api.NetworkSyncView.as_view(),
        name="api_network_sync",
    ),
    path("imports/", import_api.ImportListCreateView.as_view(), name="api_imports"),
    path("imports/<int:import_id>/", import_api.ImportDetailView.as_view(), name="api_import"),
    path("me/score/", score_api.ScoreView.as_view(), name="api_score"),
    path("me/score/history/", score_api.ScoreHistoryView.as_view(), name="api_score_history"),
    path("me/activity/", member_api.ActivityView.as_view(), name="api_activity"),
    path("topics/", topic_api.TopicListView.as_view(), name="api_topics"),
    path("me/topics/", topic_api.MyTopicsView.as_view(), name="api_my_topics"),
    path("me/topics/<slug:slug>/hide/", topic_api.TopicHideView.as_view(), name="api_topic_hide"),
    path(
        "me/topics/<slug:slug>/restore/",
        topic_api.TopicRestoreView.as_view(),
        name="api_topic_restore",
    ),
    path(
        "me/topics/<slug:slug>/disputes/",
        topic_api.TopicDisputeView.as_view(),
        name="api_topic_dispute",
    ),
    path("me/disputes/", topic_api.MyDisputesView.as_view(), name="api_my_disputes"),
    path("me/plus-k/", topic_api.MyPlusKView.as_view(), name="api_my_plus_k"),
    path("people/<uuid:public_id>/", topic_api.ProfileView.as_view(), name="api_profile"),
    path(
        "people/<uuid:public_id>/topics/<slug:slug>/plus-k/",
        topic_api.PlusKGiveView.as_view(),
        name="api_plus_k_give",
    ),
]
