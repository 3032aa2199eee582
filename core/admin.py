"""Admin pieces every app may use. Registers nothing."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff read these rows here; they change only through the services (imports, the
    members' own choices, Stripe's events), which hold the rules."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
