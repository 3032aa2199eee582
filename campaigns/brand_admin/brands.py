"""The brand admin's brand pages: the brand itself, its staff (roles, removal), invitations
and payments (owners only). Writes go through the services, which check roles again."""

from __future__ import annotations

from django.contrib import admin, messages

from campaigns.brand_admin.site import BrandScoped, brand_admin_site, user_brands
from campaigns.models import Brand, BrandInvitation, BrandMembership, BrandRole, Payment
from campaigns.services.brands import (
    brand_invite,
    brand_membership_remove,
    brand_membership_role_change,
)
from core.errors import DomainError


@admin.register(Brand, site=brand_admin_site)
class BrandBrandAdmin(BrandScoped):
    brand_field = "pk"
    edit_role = BrandRole.OWNER
    fields = ["name", "website"]
    list_display = ["name", "website"]

    def _brand_of(self, obj):
        return obj

    def get_queryset(self, request):
        return user_brands(request)

    def has_add_permission(self, request):
        return False


@admin.register(BrandMembership, site=brand_admin_site)
class MembershipBrandAdmin(BrandScoped):
    """Owners change roles and remove staff; new staff come through invitations."""

    edit_role = BrandRole.OWNER
    list_display = ["user_email", "brand", "role", "created_at"]
    fields = ["brand", "user_email", "role"]
    readonly_fields = ["brand", "user_email"]
    actions = ["remove_from_staff"]

    @admin.display(description="E-mail")
    def user_email(self, obj):
        return obj.user.email

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        try:
            brand_membership_role_change(membership=obj, by=request.user, role=obj.role)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)

    @admin.action(description="Remove from the brand's staff")
    def remove_from_staff(self, request, queryset):
        for membership in queryset:
            try:
                brand_membership_remove(membership=membership, by=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)


@admin.register(BrandInvitation, site=brand_admin_site)
class InvitationBrandAdmin(BrandScoped):
    edit_role = BrandRole.OWNER
    list_display = ["email", "brand", "role", "created_at", "expires_at", "accepted_at"]
    fields = ["brand", "email", "role"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        try:
            saved = brand_invite(
                brand=obj.brand, inviter=request.user, email=obj.email, role=obj.role
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk = saved.pk


@admin.register(Payment, site=brand_admin_site)
class PaymentBrandAdmin(BrandScoped):
    brand_field = "campaign__brand"
    edit_role = BrandRole.OWNER
    list_display = ["campaign", "provider", "status", "amount", "refunded_cents", "created_at"]

    @admin.display(description="Amount")
    def amount(self, obj):
        return f"{obj.amount_cents / 100:,.2f} {obj.currency}"

    def get_queryset(self, request):
        owned = user_brands(request, BrandRole.OWNER)  # money: owners only
        return Payment.objects.filter(campaign__brand__in=owned).select_related("campaign")

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, obj, BrandRole.OWNER)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
