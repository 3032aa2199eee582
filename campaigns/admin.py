"""Site-staff admin for brands and campaigns: the review queue (approve or reject with a
reason; the brand is told by e-mail), invoice funding, and the money records (payments,
refunds, Stripe events: read-only, for audit). The eligibility audit, which also shows the
decisions stored with claims, is in the perks admin.

A campaign's change page is its review: the targeting in words, the perks with their money,
and the fairness snapshot stored at submission (``campaigns.selectors.review``), above the
record and the decision (template ``admin/campaigns/campaign/change_form.html``)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect

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
from campaigns.selectors.review import (
    approval_flags,
    campaign_review,
    campaigns_with_review_flags,
)
from campaigns.services.campaigns import campaign_approve, campaign_fund_by_invoice, campaign_reject
from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from core.money import money


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
    classes = ["collapse"]  # the review says the same in words
    verbose_name_plural = "topics as stored"

    def get_queryset(self, request):
        # A topic shows its full name ("Food > Coffee"): its ancestors in the same query.
        return super().get_queryset(request).select_related("topic__parent__parent__parent")

    def has_add_permission(self, request, obj=None):
        return False


class CampaignEventInline(admin.TabularInline):
    model = CampaignEvent
    extra = 0
    readonly_fields = ["occurred_at", "from_status", "to_status", "actor", "note"]
    can_delete = False
    verbose_name_plural = "history"

    def get_queryset(self, request):
        # Each row shows the event's name, which names its campaign and brand.
        return super().get_queryset(request).select_related("actor", "campaign__brand")

    def has_add_permission(self, request, obj=None):
        return False


class ReviewForm(forms.ModelForm):
    """The decision on a campaign in review. Approving a campaign whose fairness snapshot
    flags groups needs a written justification: said here, next to the field, before
    anything is written (``campaign_approve`` refuses it all the same)."""

    decision = forms.ChoiceField(
        required=False,
        choices=[
            ("", "No decision yet"),
            ("approve", "Approve: the campaign goes live"),
            ("reject", "Reject: the brand is told why"),
        ],
    )
    review_text = forms.CharField(
        label="Note or reason",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "vLargeTextField"}),
        help_text="The reason for a rejection (required), or a note with an approval. "
        "The brand reads it in its e-mail.",
    )

    class Meta:
        model = Campaign
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.flags: list[str] = []
        if self.instance.pk is not None and self.instance.status == CampaignStatus.IN_REVIEW:
            self.flags = approval_flags(campaign=self.instance)
        if self.flags:
            self.fields["review_text"].help_text = (
                "Required to approve this campaign (its fairness report flagged groups at "
                "submission) and to reject it (the brand is told why). The brand reads it "
                "in its e-mail."
            )

    def clean(self):
        data = super().clean()
        decision, text = data.get("decision"), data.get("review_text", "").strip()
        if decision == "reject" and not text:
            self.add_error("review_text", "Say why the campaign is rejected.")
        if decision == "approve" and self.flags and not text:
            groups = f"{len(self.flags)} group{'s' if len(self.flags) > 1 else ''}"
            self.add_error(
                "review_text",
                f"Write why the campaign may go live anyway: its fairness report flagged "
                f"{groups} at submission ({'; '.join(self.flags)}).",
            )
        return data


DECISION = "Decision"  # the fieldset the template shows next to the Save button
RECORD_FIELDSETS = [
    (
        "Campaign",
        {
            "fields": [
                "brand",
                "name",
                "description",
                "status",
                "starts_at",
                "ends_at",
                "budget",
                "submitted_at",
            ]
        },
    ),
    (
        "Targeting as stored",
        {
            "classes": ["collapse"],
            "fields": [
                "min_score",
                "max_score",
                "topic_mode",
                "networks",
                "inclusion_share_percent",
            ],
        },
    ),
    (
        "Money and past reviews",
        {
            "classes": ["collapse"],
            "fields": [
                "funded_at",
                "spent",
                "refunded",
                "reviewed_by",
                "review_note",
                "rejection_reason",
            ],
        },
    ),
]
REVIEW_OUTCOME = "_campaign_review_outcome"  # request attribute: (message level, text)


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    """The review queue: filter by "In review", oldest submission first. The change page
    is the review (see the module's docstring)."""

    form = ReviewForm
    list_display = [
        "name",
        "brand",
        "status",
        "submitted_at",
        "budget",
        "fairness_flags",
        "starts_at",
    ]
    list_filter = ["status", "brand"]
    search_fields = ["name", "brand__name"]
    ordering = ["status", "submitted_at"]
    inlines = [CampaignTopicInline, CampaignEventInline]
    actions = ["fund_by_invoice"]
    readonly_fields = [field for _, options in RECORD_FIELDSETS for field in options["fields"]]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        campaigns = super().get_queryset(request).select_related("brand", "reviewed_by")
        return campaigns_with_review_flags(campaigns)

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(RECORD_FIELDSETS)
        if obj is not None and obj.status == CampaignStatus.IN_REVIEW:
            fieldsets.append((DECISION, {"fields": ["decision", "review_text"]}))
        return fieldsets

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(review=campaign_review(campaign=obj), decision_fieldset=DECISION)
            if obj.status == CampaignStatus.IN_REVIEW:
                context["title"] = "Review campaign"
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="Fairness")
    def fairness_flags(self, obj):
        flags = getattr(obj, "review_flags", None)
        if flags is None:
            return "–"
        if not flags:
            return "no group flagged"
        return f"{len(flags)} group{'s' if len(flags) > 1 else ''} flagged"

    @admin.display(description="Budget")
    def budget(self, obj):
        return money(obj.budget_cents, obj.currency)

    @admin.display(description="Spent")
    def spent(self, obj):
        return money(obj.spent_cents, obj.currency)

    @admin.display(description="Refunded")
    def refunded(self, obj):
        return money(obj.refunded_cents, obj.currency)

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        text = form.cleaned_data.get("review_text", "")
        try:
            if decision == "approve":
                campaign_approve(campaign=obj, staff_user=request.user, note=text)
                outcome = (messages.SUCCESS, f"“{obj.name}” is approved and live.")
            elif decision == "reject":
                campaign_reject(campaign=obj, staff_user=request.user, reason=text)
                outcome = (messages.SUCCESS, f"“{obj.name}” is rejected; the brand is told why.")
            else:
                return
        except DomainError as error:
            outcome = (messages.ERROR, f"Nothing changed: {error.message}")
        setattr(request, REVIEW_OUTCOME, outcome)

    def response_change(self, request, obj):
        """After a decision, say what happened (not "changed successfully"); a refused one
        stays on the review."""
        outcome = getattr(request, REVIEW_OUTCOME, None)
        if outcome is None:
            return super().response_change(request, obj)
        level, text = outcome
        self.message_user(request, text, level)
        if level == messages.ERROR:
            return HttpResponseRedirect(request.path)
        return self.response_post_save_change(request, obj)

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
