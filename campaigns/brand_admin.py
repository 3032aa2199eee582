"""The brand admin (``/brand-admin/``): a second admin site where brand staff manage only
their own brands' campaigns, staff and invitations.

Every model admin here is scoped by membership: querysets, object permissions, foreign-key
choices, actions and exports. Another brand's object is indistinguishable from one that
does not exist. Writes go through the services, which check roles again.
"""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html

from campaigns.errors import CampaignInvalid
from campaigns.models import (
    ROLE_RANK,
    Brand,
    BrandInvitation,
    BrandMembership,
    BrandRole,
    Campaign,
    CampaignEvent,
    CampaignTopic,
    Payment,
)
from campaigns.selectors.eligibility import eligibility_preview
from campaigns.services import campaigns as campaign_services
from campaigns.services.brands import (
    brand_invite,
    brand_membership_remove,
    brand_membership_role_change,
)
from core.errors import DomainError
from scoring.selectors import Targeting


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


def preview_targeting(params) -> Targeting:
    """Targeting from the form's current values: ``topic`` is repeated as ``id:minimum``."""
    topics = []
    for value in params.getlist("topic"):
        topic_id, _, minimum = value.partition(":")
        if topic_id:
            topics.append((int(topic_id), int(minimum or 1)))
    lo, hi = int(params.get("min_score") or 1), int(params.get("max_score") or 100)
    if not 1 <= lo <= hi <= 100:
        raise ValueError("score range must be within 1-100, min <= max")
    networks = tuple(n.strip() for n in params.get("networks", "").split(",") if n.strip())
    mode = params.get("topic_mode") or "any"
    return Targeting(
        min_score=lo, max_score=hi, topics=tuple(topics), topic_mode=mode, networks=networks
    )


class CampaignTopicInline(admin.TabularInline):
    model = CampaignTopic
    extra = 1
    autocomplete_fields = []
    raw_id_fields = []
    fields = ["topic", "min_topic_score"]

    def has_view_permission(self, request, obj=None):
        return True  # the parent campaign's scoping applies

    def has_add_permission(self, request, obj=None):
        return obj is None or obj.status in campaign_services.EDITABLE

    def has_change_permission(self, request, obj=None):
        return obj is None or obj.status in campaign_services.EDITABLE

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.status in campaign_services.EDITABLE

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "topic":
            from scoring.selectors import topic_tree

            kwargs["queryset"] = topic_tree().order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CampaignEventInline(admin.TabularInline):
    model = CampaignEvent
    extra = 0
    fields = ["occurred_at", "from_status", "to_status", "note"]
    readonly_fields = fields
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class NetworksField(forms.CharField):
    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [p.strip() for p in (value or "").split(",") if p.strip()]


class CampaignForm(forms.ModelForm):
    networks = NetworksField(
        required=False, help_text="Network slugs, comma separated; empty: any."
    )

    def clean(self):
        data = super().clean()
        merged = {
            name: data.get(name, getattr(self.instance, name, None))
            for name in self.Meta.fields
            if name != "brand"
        }
        merged = {k: v for k, v in merged.items() if v is not None}
        try:
            campaign_services.campaign_fields_check(merged)
        except CampaignInvalid as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return data

    class Meta:
        model = Campaign
        fields = [
            "brand",
            "name",
            "description",
            "starts_at",
            "ends_at",
            "budget_cents",
            "currency",
            "min_score",
            "max_score",
            "topic_mode",
            "networks",
            "inclusion_share_percent",
        ]


@admin.register(Campaign, site=brand_admin_site)
class CampaignBrandAdmin(BrandScoped):
    form = CampaignForm
    change_form_template = "brand_admin/campaign_change_form.html"
    list_display = ["name", "brand", "status", "budget", "starts_at", "ends_at", "eligible_now"]
    list_filter = ["status"]
    search_fields = ["name"]
    inlines = [CampaignTopicInline, CampaignEventInline]
    actions = ["submit_for_review", "pause", "resume", "end", "export_csv"]
    readonly_fields = [
        "status",
        "rejection_reason",
        "funded_at",
        "spent_cents",
        "refunded_cents",
        "funding",
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status not in campaign_services.EDITABLE:
            fields += [f for f in CampaignForm.Meta.fields if f not in fields]
        elif obj is not None:
            fields += ["brand"]
            if obj.status != "draft":
                fields += ["budget_cents", "currency"]
        return fields

    @admin.display(description="Budget")
    def budget(self, obj):
        return f"{obj.budget_cents / 100:,.2f} {obj.currency}"

    @admin.display(description="Eligible now")
    def eligible_now(self, obj):
        from campaigns.selectors.eligibility import eligible_scores

        return eligible_scores(campaign=obj).count()

    @admin.display(description="Funding")
    def funding(self, obj):
        if obj is None or obj.pk is None:
            return "Save the campaign first; then fund it."
        if obj.status != "draft":
            return obj.funded_at and f"Funded {obj.funded_at:%Y-%m-%d}"
        return format_html(
            '<a href="{}">Pay the budget by card</a> (owners) or ask site staff for an invoice.',
            reverse("campaign_checkout", args=[obj.pk]),
        )

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in form.changed_data if f in CampaignForm.Meta.fields}
        try:
            if change:
                data.pop("brand", None)
                saved = campaign_services.campaign_update(campaign=obj, user=request.user, **data)
            else:
                brand = form.cleaned_data["brand"]
                data = {f: form.cleaned_data[f] for f in CampaignForm.Meta.fields if f != "brand"}
                saved = campaign_services.campaign_create(brand=brand, user=request.user, **data)
        except DomainError as error:  # checked by the form already; a race is shown plainly
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk = saved.pk
        obj.refresh_from_db()

    def _each(self, request, queryset, action):
        for campaign in queryset:
            try:
                action(campaign=campaign, user=request.user)
            except DomainError as error:
                self.message_user(request, f"{campaign.name}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{campaign.name}: done.")

    @admin.action(description="Submit for review")
    def submit_for_review(self, request, queryset):
        self._each(request, queryset, campaign_services.campaign_submit)

    @admin.action(description="Pause")
    def pause(self, request, queryset):
        self._each(request, queryset, campaign_services.campaign_pause)

    @admin.action(description="Resume")
    def resume(self, request, queryset):
        self._each(request, queryset, campaign_services.campaign_resume)

    @admin.action(description="End (and refund unused budget)")
    def end(self, request, queryset):
        self._each(request, queryset, campaign_services.campaign_end)

    @admin.action(description="Export selected as CSV")
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="campaigns.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "id",
                "brand",
                "name",
                "status",
                "budget_cents",
                "currency",
                "spent_cents",
                "refunded_cents",
                "starts_at",
                "ends_at",
            ]
        )
        for c in queryset.select_related("brand"):
            writer.writerow(
                [
                    c.pk,
                    c.brand.name,
                    c.name,
                    c.status,
                    c.budget_cents,
                    c.currency,
                    c.spent_cents,
                    c.refunded_cents,
                    c.starts_at.isoformat(),
                    c.ends_at.isoformat(),
                ]
            )
        return response

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("preview/", preview, name="campaigns_campaign_preview"), *super().get_urls()]

    def preview_view(self, request):
        """The live preview of the targeting being edited: eligible now, by score band."""
        if not self.has_view_permission(request):
            return JsonResponse({"error": "brand staff only"}, status=403)
        try:
            targeting = preview_targeting(request.GET)
        except (TypeError, ValueError) as error:
            return JsonResponse({"error": str(error)}, status=400)
        from campaigns.selectors.fairness import targeting_headline

        fairness = targeting_headline(targeting=targeting)
        return JsonResponse({**eligibility_preview(targeting=targeting), "fairness": fairness})

    def save_formset(self, request, form, formset, change):
        if form.instance.status not in campaign_services.EDITABLE:
            return
        super().save_formset(request, form, formset, change)


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
