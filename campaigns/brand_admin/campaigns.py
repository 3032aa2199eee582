"""The brand admin's campaign pages: the campaign form (checked by the services' own
rules before anything is saved), its topics and history, the lifecycle actions, the CSV
export and the live targeting preview with its fairness headline. Writes go through the
services, which check roles again."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html

from campaigns.brand_admin.site import BrandScoped, brand_admin_site
from campaigns.errors import CampaignInvalid
from campaigns.models import Campaign, CampaignEvent, CampaignTopic
from campaigns.selectors.eligibility import eligibility_preview
from campaigns.services import campaigns as campaign_services
from core.errors import DomainError
from scoring.selectors import Targeting


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


EXPORT_COLUMNS = [
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


def _export_row(c: Campaign) -> list:
    """The campaign's row of the CSV export, in EXPORT_COLUMNS' order."""
    return [
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
        writer.writerow(EXPORT_COLUMNS)
        for c in queryset.select_related("brand"):
            writer.writerow(_export_row(c))
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
