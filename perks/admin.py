"""Site-staff admin for perks and claims, and the eligibility audit: for a member and a
campaign, the decision as of now and the decisions stored with each of their claims."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.shortcuts import render
from django.urls import path

from campaigns.models import Campaign
from campaigns.selectors.eligibility import eligibility_decide
from perks.models import Claim, Perk
from perks.selectors.offers import claims_of
from scoring.models import Member


class AuditForm(forms.Form):
    member = forms.CharField(help_text="The member's e-mail address or public id.")
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.select_related("brand"))

    def clean_member(self):
        import uuid

        value = self.cleaned_data["member"].strip()
        member = Member.objects.filter(user__email__iexact=value).first()
        if member is None:
            try:
                member = Member.objects.filter(public_id=uuid.UUID(value)).first()
            except ValueError:
                member = None
        if member is None:
            raise forms.ValidationError(f"No member with the e-mail or public id {value!r}.")
        return member


@admin.register(Perk)
class PerkAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "campaign",
        "kind",
        "allocation",
        "quantity",
        "claimed_count",
        "opens_at",
        "closes_at",
    ]
    list_filter = ["kind", "allocation"]
    search_fields = ["title", "campaign__name"]
    # Units, value, kind, allocation and window are what the budget and the claims rest on:
    # brands set them once, through the service that checks the budget (the brand admin);
    # site staff correct texts and pictures only.
    readonly_fields = [
        "campaign",
        "kind",
        "quantity",
        "value_cents",
        "allocation",
        "opens_at",
        "closes_at",
        "reserved_for_inclusion",
        "claimed_count",
        "lottery_seed_hash",
        "drawn_at",
        "draw_record",
    ]
    exclude = ["lottery_seed"]

    def has_add_permission(self, request):
        return False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["perk", "member", "status", "created_at", "fulfilled_at"]
    list_filter = ["status"]
    list_select_related = ["perk", "member__user"]
    raw_id_fields = ["perk", "member"]
    readonly_fields = [f.name for f in Claim._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        audit = self.admin_site.admin_view(self.audit_view)
        return [path("audit/", audit, name="perks_claim_audit"), *super().get_urls()]

    def audit_view(self, request):
        """Why was (or is) this member eligible for this campaign?"""
        form = AuditForm(request.GET or None)
        decision, claims = None, []
        if form.is_valid():
            member, campaign = form.cleaned_data["member"], form.cleaned_data["campaign"]
            decision = eligibility_decide(campaign=campaign, member=member)
            claims = list(claims_of(member=member, campaign=campaign))
        context = {
            **self.admin_site.each_context(request),
            "title": "Eligibility audit",
            "form": form,
            "decision": decision,
            "claims": claims,
            "opts": self.model._meta,
        }
        return render(request, "admin/perks/audit.html", context)
