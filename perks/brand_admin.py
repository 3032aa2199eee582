"""Perks, code pools and claims in the brand admin, scoped to the user's brands like every
model there (see campaigns/brand_admin/). Writes go through the perks services."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html

from campaigns.brand_admin import BrandScoped, brand_admin_site, user_brands
from campaigns.models import BrandRole, Campaign
from core.errors import DomainError
from perks.models import Claim, Perk, PerkCode, PerkKind
from perks.services.fulfilment import claim_mark_fulfilled
from perks.services.perks import perk_codes_upload, perk_create
from scoring.models import VISIBLE_TO_BRANDS

PERK_FIELDS = [
    "campaign",
    "title",
    "description",
    "picture",
    "kind",
    "quantity",
    "opens_at",
    "closes_at",
    "allocation",
    "disclosure_text",
    "value_cents",
    "address_retention_days",
]


class PerkForm(forms.ModelForm):
    class Meta:
        model = Perk
        fields = PERK_FIELDS


class CodesUploadForm(forms.Form):
    file = forms.FileField(
        help_text="CSV: one code per line (first column), optional 'code' header."
    )


@admin.register(Perk, site=brand_admin_site)
class PerkBrandAdmin(BrandScoped):
    brand_field = "campaign__brand"
    form = PerkForm
    list_display = [
        "title",
        "campaign",
        "kind",
        "allocation",
        "quantity",
        "claimed_count",
        "free_codes",
        "opens_at",
        "closes_at",
    ]
    list_filter = ["kind", "allocation"]
    readonly_fields = ["claimed_count", "lottery_seed_hash", "drawn_at", "codes_link"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:  # after creation only the texts change
            fields += [
                "campaign",
                "kind",
                "quantity",
                "allocation",
                "opens_at",
                "closes_at",
                "value_cents",
            ]
        return fields

    @admin.display(description="Free codes")
    def free_codes(self, obj):
        if obj.kind != PerkKind.CODE:
            return "-"
        return obj.codes.filter(claim__isnull=True).count()

    @admin.display(description="Code pool")
    def codes_link(self, obj):
        if obj is None or obj.pk is None or obj.kind != PerkKind.CODE:
            return "-"
        url = reverse("brand_admin:perks_perk_codes", args=[obj.pk])
        return format_html('<a href="{}">Upload codes (CSV)</a>', url)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Campaign:
            kwargs["queryset"] = Campaign.objects.filter(
                brand__in=user_brands(request, BrandRole.MANAGER)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        data = {f: form.cleaned_data[f] for f in PERK_FIELDS if f != "campaign"}
        try:
            saved = perk_create(campaign=form.cleaned_data["campaign"], user=request.user, **data)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.pk = saved.pk
        obj.refresh_from_db()

    def get_urls(self):
        codes = self.admin_site.admin_view(self.codes_view)
        return [path("<int:perk_id>/codes/", codes, name="perks_perk_codes"), *super().get_urls()]

    def codes_view(self, request, perk_id: int):
        perk = self.get_queryset(request).filter(pk=perk_id).first()
        if perk is None or not self.has_change_permission(request, perk):
            return HttpResponseRedirect(reverse("brand_admin:index"))
        form = CodesUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                added = perk_codes_upload(
                    perk=perk, user=request.user, data=form.cleaned_data["file"].read()
                )
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                self.message_user(request, f"{added} codes added to {perk.title}.")
                return HttpResponseRedirect(
                    reverse("brand_admin:perks_perk_change", args=[perk.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Codes of {perk.title}",
            "form": form,
            "perk": perk,
            "opts": self.model._meta,
        }
        return render(request, "brand_admin/perk_codes.html", context)


@admin.register(Claim, site=brand_admin_site)
class ClaimBrandAdmin(BrandScoped):
    """Claims of the brand's perks: fulfil them, export for shipping."""

    brand_field = "perk__campaign__brand"
    list_display = ["perk", "member_name", "status", "created_at", "fulfilled_at"]
    list_filter = ["status", "perk__kind"]
    actions = ["mark_fulfilled", "export_csv"]
    fields = ["perk", "status", "created_at", "shipping_name", "shipping_address", "fulfilled_at"]
    readonly_fields = fields

    @admin.display(description="Member")
    def member_name(self, obj):
        """The name only while the member lets brands see it; a pseudonym otherwise."""
        if obj.member.visibility in VISIBLE_TO_BRANDS and obj.member.display_name:
            return obj.member.display_name
        return f"member {obj.member.public_id.hex[:8]}"

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("perk__campaign", "member")

    @admin.action(description="Mark fulfilled (shipped, given)")
    def mark_fulfilled(self, request, queryset):
        for claim in queryset:
            try:
                claim_mark_fulfilled(claim=claim, user=request.user)
            except DomainError as error:
                self.message_user(request, f"{claim}: {error.message}", messages.ERROR)

    @admin.action(description="Export selected for fulfilment (CSV)")
    def export_csv(self, request, queryset):
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="claims.csv"'
        writer = csv.writer(response)
        writer.writerow(["claim", "perk", "status", "claimed_at", "name", "address"])
        for c in queryset:
            writer.writerow(
                [
                    c.pk,
                    c.perk.title,
                    c.status,
                    c.created_at.isoformat(),
                    c.shipping_name,
                    c.shipping_address,
                ]
            )
        return response


@admin.register(PerkCode, site=brand_admin_site)
class PerkCodeBrandAdmin(BrandScoped):
    brand_field = "perk__campaign__brand"
    list_display = ["perk", "code", "given"]
    # Only the perks of the codes this user may see (the scoped queryset), never all perks.
    list_filter = [("perk", admin.RelatedOnlyFieldListFilter)]

    @admin.display(boolean=True, description="Given")
    def given(self, obj):
        return obj.claim_id is not None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
