"""Site-staff admin for topics: edit the tree, answer disputes, read +K and topic scores.

Topic terms are edited one per line. Saving a topic changes the tree's fingerprint, so the
next score run (or the "match posts now" action) matches every post again.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.html import format_html, format_html_join

from core.errors import DomainError
from scoring.models import MemberTopicScore, PlusK, Topic, TopicDispute
from scoring.selectors.topics import member_topics
from scoring.services.topics import HASHTAG_RE
from scoring.services.topics_members import topic_dispute_resolve
from scoring.tasks import content_topics_refresh_task

TERMS_HELP = "One per line (or separated by commas)."


def _lines(value: str) -> list[str]:
    parts = [p.strip() for line in value.splitlines() for p in line.split(",")]
    return list(dict.fromkeys(p for p in parts if p))


class TermsField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return _lines(super().to_python(value) or "")


class TopicForm(forms.ModelForm):
    aliases = TermsField(
        required=False,
        help_text=TERMS_HELP
        + " One is enough to match. The name does not match by itself: list it here when it"
        " is unambiguous.",
    )
    hashtags = TermsField(required=False, help_text=TERMS_HELP + " Without '#'.")
    keywords = TermsField(required=False, help_text=TERMS_HELP + " A post needs two of them.")

    class Meta:
        model = Topic
        fields = ["name", "slug", "parent", "description", "aliases", "hashtags", "keywords"]

    def clean_hashtags(self):
        tags = [t.lstrip("#").lower() for t in self.cleaned_data["hashtags"]]
        bad = [t for t in tags if not HASHTAG_RE.match(t)]
        if bad:
            raise forms.ValidationError(
                f"Not hashtags: {', '.join(bad)} (letters, digits and '_' only)."
            )
        owners = {
            tag: name
            for name, listed in Topic.objects.exclude(pk=self.instance.pk).values_list(
                "name", "hashtags"
            )
            for tag in listed
        }
        clashes = [f"#{t} belongs to {owners[t]}" for t in tags if t in owners]
        if clashes:
            raise forms.ValidationError("; ".join(clashes) + ".")
        return tags


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    form = TopicForm
    list_display = ["name", "full_name", "slug", "is_active", "updated_at"]
    list_filter = ["is_active", ("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["deactivate", "activate", "match_posts_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent__parent")

    @admin.action(description="Deactivate (match no post, show to nobody)")
    def deactivate(self, request, queryset):
        n = queryset.update(is_active=False)
        self.message_user(request, f"{n} topics deactivated; posts are matched again.")

    @admin.action(description="Activate")
    def activate(self, request, queryset):
        n = queryset.update(is_active=True)
        self.message_user(request, f"{n} topics activated; posts are matched again.")

    @admin.action(description="Match every post against the tree now")
    def match_posts_now(self, request, queryset):
        transaction.on_commit(content_topics_refresh_task.delay)
        self.message_user(request, "Matching posts in the background.")


class DisputeForm(forms.ModelForm):
    decision = forms.ChoiceField(
        choices=[
            ("", "Not yet"),
            ("uphold", "Uphold: hide the topic for the member"),
            ("reject", "Reject: the evidence stands"),
        ],
        required=False,
    )

    class Meta:
        model = TopicDispute
        fields = ["staff_response"]


@admin.register(TopicDispute)
class TopicDisputeAdmin(admin.ModelAdmin):
    """The queue of disputes: oldest open first. Answering tells the member by e-mail."""

    form = DisputeForm
    list_display = ["topic", "member", "status", "created_at", "reason_start"]
    list_filter = ["status", "topic"]
    search_fields = ["reason", "topic__name"]
    readonly_fields = [
        "member",
        "topic",
        "reason",
        "status",
        "created_at",
        "resolved_at",
        "evidence",
    ]
    fields = [*readonly_fields, "decision", "staff_response"]
    ordering = ["status", "created_at"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member__user", "topic")

    @admin.display(description="Reason")
    def reason_start(self, obj):
        return obj.reason[:80]

    @admin.display(description="The evidence the member sees")
    def evidence(self, obj):
        shown = [
            t
            for t in member_topics(member=obj.member, include_hidden=True)
            if t.topic.pk == obj.topic_id
        ]
        if not shown:
            return "No evidence in the latest scores (the topic is no longer shown)."
        t = shown[0]
        items = format_html_join(
            "",
            "<li>{} ({} people, {} actions; matched: {})</li>",
            (
                (
                    e.content.text[:160],
                    e.people,
                    e.actions,
                    ", ".join(f"{how} {term}" for how, term in e.matched),
                )
                for e in t.evidence
            ),
        )
        return format_html(
            "<p>Score {} · {} people · {} posts · +K {}</p><ul>{}</ul>",
            t.score.score,
            t.score.people,
            t.score.posts,
            t.score.plus_k,
            items,
        )

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision")
        if not decision:
            super().save_model(request, obj, form, change)
            return
        try:
            topic_dispute_resolve(
                dispute=obj,
                upheld=decision == "uphold",
                response=form.cleaned_data.get("staff_response", ""),
                staff_user=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PlusK)
class PlusKAdmin(ReadOnly):
    list_display = ["topic", "giver", "receiver", "given_at"]
    list_filter = ["topic"]
    list_select_related = ["topic", "giver__user", "receiver__user"]
    raw_id_fields = ["giver", "receiver", "topic"]


@admin.register(MemberTopicScore)
class MemberTopicScoreAdmin(ReadOnly):
    list_display = ["member", "topic", "score", "people", "posts", "plus_k", "run"]
    list_filter = [("topic", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["member__user", "topic", "run__version"]
    raw_id_fields = ["member", "topic", "run"]

    def has_delete_permission(self, request, obj=None):
        return False
