"""The kernel's routes: the front door and health (pages), who am I (API)."""

from django.urls import path

from core import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
]

api_urlpatterns = [
    path("ping/", api.PingView.as_view(), name="api_ping"),
]
