"""The root routes, composed: every app owns its routes in its own ``urls.py``, with
``urlpatterns`` for its pages and ``api_urlpatterns`` for ``/api/v1/``."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

import campaigns.urls
import core.urls
import klout.account.urls
import perks.urls
import scoring.urls

admin.site.site_header = "Klout Fair: site staff"
admin.site.site_title = "Klout Fair admin"

APPS = (core.urls, scoring.urls, campaigns.urls, perks.urls, klout.account.urls)

api_v1 = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    *(path("", include(app.api_urlpatterns)) for app in APPS),
]

urlpatterns = [
    *(path("", include(app.urlpatterns)) for app in APPS),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]

handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
