"""The account's routes: "Download my data" and "Delete my account", as pages and API."""

from django.urls import path

from klout.account import api, views

urlpatterns = [
    path("settings/export/", views.data_export, name="data_export"),
    path("settings/delete/", views.account_delete, name="account_delete"),
]

api_urlpatterns = [
    path("me/export/", api.ExportView.as_view(), name="api_export"),
    path("me/delete/", api.AccountDeleteView.as_view(), name="api_account_delete"),
]
