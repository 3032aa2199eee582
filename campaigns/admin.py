"""Site-staff admin for brands and campaigns: the review queue (approve or reject with a
reason; the brand is told by e-mail), invoice funding, and the money records (payments,
refunds, Stripe events: read-only, for audit). The eligibility audit, which also shows the
decisions stored with claims, is in the perks admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from campaigns.models import (
    Brand,
    BrandMembership,
    Campaign,
    CampaignEvent,
    CampaignStatus,
    CampaignTopic,
    Payment,
    Refund,
    StripeEvent,
)
from campaigns.services.campaigns import campaign_approve, campaign_fund_by_invoice, campaign_reject
from core.admin import ReadOnlyAdmin
from core.errors import DomainError


class BrandMembershipInline(admin.TabularInline):
    model = BrandMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "website", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [BrandMembershipInline]


class CampaignTopicInline(admin.TabularInline):
    model = CampaignTopic
    extra = 0
    readonly_fields = ["topic", "min_topic_score"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CampaignEventInline(admin.TabularInline):
    model = CampaignEvent
    extra = 0
    readonly_fields = ["occurred_at", "from_status", "to_status", "actor", "note"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReviewForm(forms.ModelForm):
    decision = forms.ChoiceField(
        required=False,
        choices=[
            ("", "No decision yet"),
            ("approve", "Approve: the campaign goes live"),
            ("reject", "Reject: the brand is told why"),
        ],
    )
    review_text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The reason for a rejection (required), or a note with an approval.",
    )

    class Meta:
        model = Campaign
        fields: list[str] = []

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("review_text", "").strip():
            self.add_error("review_text", "Say why the campaign is rejected.")
        return data


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """The review queue: filter by "In review", oldest submission first."""

    form = ReviewForm
    list_display = ["name", "brand", "status", "submitted_at", "budget", "starts_at"]
    list_filter = ["status", "brand"]
    search_fields = ["name", "brand__name"]
    ordering = ["status", "submitted_at"]
    inlines = [CampaignTopicInline, CampaignEventInline]
    actions = ["fund_by_invoice"]
    readonly_fields = [
        "brand",
        "name",
        "description",
        "status",
        "starts_at",
        "ends_at",
        "budget",
        "min_score",
        "max_score",
        "topic_mode",
        "networks",
        "inclusion_share_percent",
        "rejection_reason",
        "review_note",
        "reviewed_by",
        "funded_at",
        "submitted_at",
        "spent_cents",
        "refunded_cents",
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Fairness at submission")
    def fairness(self, obj):
        snapshot = obj.fairness_snapshots.first()
        if snapshot is None:
            return "No snapshot (not submitted yet)."
        flagged = ", ".join(snapshot.flagged_groups) or "no flagged group"
        return format_html(
            "{}<br>Flagged: {} — approving with flagged groups needs a written note."
            ' <a href="{}">Full report now</a>',
            snapshot.headline,
            flagged,
            reverse("campaign_fairness", args=[obj.pk]),
        )

    @admin.display(description="Budget")
    def budget(self, obj):
        return f"{obj.budget_cents / 100:,.2f} {obj.currency}"

    def get_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        if obj is not None and obj.status == CampaignStatus.IN_REVIEW:
            fields += ["decision", "review_text"]
        return fields

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        text = form.cleaned_data.get("review_text", "")
        try:
            if decision == "approve":
                campaign_approve(campaign=obj, staff_user=request.user, note=text)
            elif decision == "reject":
                campaign_reject(campaign=obj, staff_user=request.user, reason=text)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)

    @admin.action(description="Mark funded by invoice")
    def fund_by_invoice(self, request, queryset):
        for campaign in queryset:
            try:
                campaign_fund_by_invoice(campaign=campaign, staff_user=request.user)
            except DomainError as error:
                self.message_user(request, f"{campaign.name}: {error.message}", messages.ERROR)
            else:
                self.message_user(request, f"{campaign.name}: funded by invoice.")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "campaign",
        "provider",
        "status",
        "amount_cents",
        "currency",
        "refunded_cents",
        "created_at",
    ]
    list_filter = ["provider", "status"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = [
        "payment",
        "reason",
        "amount_cents",
        "status",
        "attempts",
        "stripe_refund_id",
        "created_at",
    ]
    list_filter = ["reason", "status"]
    actions = ["retry"]

    @admin.action(description="Ask Stripe again for the selected failed refunds")
    def retry(self, request, queryset):
        from campaigns.services.refunds import refund_retry

        again = [refund_retry(refund=r) for r in queryset.filter(status=Refund.Status.FAILED)]
        self.message_user(request, f"{len(again)} failed refunds asked again.")


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "status", "received_at", "processed_at", "error"]
    list_filter = ["status", "type"]
    search_fields = ["event_id"]
