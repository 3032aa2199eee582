"""Site-admin glue that spans apps: deleting a user deletes the member everywhere."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from klout.accounts import account_delete
from scoring.models import Member


class UserAdmin(DjangoUserAdmin):
    """Deleting a user who is a member goes through the same service as the member's own
    "Delete my account", so nothing personal is left behind."""

    def _delete_user(self, user) -> None:
        member = Member.objects.filter(user=user).first()
        if member is not None:
            account_delete(member=member)
        else:
            user.delete()

    def delete_model(self, request, obj):
        self._delete_user(obj)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            self._delete_user(user)


User = get_user_model()
admin.site.unregister(User)
admin.site.register(User, UserAdmin)
