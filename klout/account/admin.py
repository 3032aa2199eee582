"""Site-admin glue that spans apps: deleting a user, or a member, deletes the member in
every app, through the same service as the member's own "Delete my account"."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from klout.account.services import account_delete
from scoring.admin.members import MemberAdmin
from scoring.models import Member


class UserAdmin(DjangoUserAdmin):
    """Deleting a user who is a member leaves nothing personal behind in any app."""

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


class AccountMemberAdmin(MemberAdmin):
    """The scoring app's member admin, deleting through the account: brand staff roles and
    every other app's part go with the member."""

    def delete_model(self, request, obj):
        account_delete(member=obj)

    def delete_queryset(self, request, queryset):
        for member in queryset:
            account_delete(member=member)


User = get_user_model()
admin.site.unregister(User)
admin.site.register(User, UserAdmin)
admin.site.unregister(Member)
admin.site.register(Member, AccountMemberAdmin)
