"""The brand admin's site (``/brand-admin/``) and its scoping by membership: a brand's staff
see and change only their own brands' objects, each by role. Another brand's object is
indistinguishable from one that does not exist."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.urls import reverse

from campaigns.models import ROLE_RANK, Brand, BrandMembership, BrandRole


class BrandAdminSite(admin.AdminSite):
    site_header = "Klout Fair: brand admin"
    site_title = "Brand admin"
    index_title = "Your brands"

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and BrandMembership.objects.filter(user=user).exists()

    def login(self, request, extra_context=None):
        """Brand staff sign in like everyone else (allauth), then come back here."""
        if request.user.is_authenticated and not self.has_permission(request):
            messages.error(request, "You are not on the staff of any brand.")
            return HttpResponseRedirect(reverse("home"))
        target = request.GET.get("next") or reverse("brand_admin:index")
        return HttpResponseRedirect(f"{reverse('account_login')}?next={target}")


brand_admin_site = BrandAdminSite(name="brand_admin")


def user_brands(request, role: str = BrandRole.VIEWER) -> QuerySet[Brand]:
    """The brands where the user has at least ``role``."""
    roles = [r for r, rank in ROLE_RANK.items() if rank >= ROLE_RANK[role]]
    return Brand.objects.filter(memberships__user=request.user, memberships__role__in=roles)


class BrandScoped(admin.ModelAdmin):
    """Scoping by membership. ``brand_field`` leads from the model to its brand;
    ``edit_role`` is the least role that changes it."""

    brand_field = "brand"
    edit_role = BrandRole.MANAGER

    def _brand_of(self, obj) -> Brand:
        node = obj
        for part in self.brand_field.split("__"):
            node = getattr(node, part)
        return node

    def _allowed(self, request, obj, role) -> bool:
        brands = user_brands(request, role)
        if obj is None:
            return brands.exists()
        return brands.filter(pk=self._brand_of(obj).pk).exists()

    def get_queryset(self, request):
        mine = user_brands(request)
        return super().get_queryset(request).filter(**{f"{self.brand_field}__in": mine})

    def has_module_permission(self, request) -> bool:
        return user_brands(request).exists()

    def has_view_permission(self, request, obj=None) -> bool:
        return self._allowed(request, obj, BrandRole.VIEWER)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._allowed(request, obj, self.edit_role)

    def has_add_permission(self, request) -> bool:
        return self._allowed(request, None, self.edit_role)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Brand:
            kwargs["queryset"] = user_brands(request, self.edit_role)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
