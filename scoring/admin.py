"""Site-staff admin for members and the action log. Deleting a member or a network account
goes through the services, so the same privacy rules apply as in the member's own pages."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from core.errors import DomainError
from scoring import services
from scoring.exports import write_scores_csv
from scoring.models import (
    Action,
    AlgorithmVersion,
    AnonymousActor,
    ConsentEvent,
    Content,
    ImportBatch,
    Member,
    NetworkAccount,
    ScoreRun,
)
from scoring.selectors import scores as selectors_scores
from scoring.services import runs
from scoring.tasks import score_run_task


class ReadOnlyAdmin(admin.ModelAdmin):
    """The action log changes only through imports and the members' own choices, which
    apply consent; staff read it here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NetworkAccountInline(admin.TabularInline):
    model = NetworkAccount
    extra = 0
    fields = ["network", "external_id", "handle", "source", "connected_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


class ConsentEventInline(admin.TabularInline):
    model = ConsentEvent
    extra = 0
    readonly_fields = ["kind", "occurred_at"]
    can_delete = False


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "opted_in_at", "visibility", "is_demo", "created_at"]
    list_filter = ["visibility", "is_demo", ("opted_in_at", admin.EmptyFieldListFilter)]
    search_fields = ["display_name", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["opted_in_at", "created_at"]
    inlines = [NetworkAccountInline, ConsentEventInline]
    list_select_related = ["user"]

    # Deleting a member deletes them in every app: the project's admin (klout/account/admin.py)
    # registers this admin again with the account's deletion, above the apps.
    def delete_model(self, request, obj):
        services.member_delete(member=obj)

    def delete_queryset(self, request, queryset):
        for member in queryset:
            services.member_delete(member=member)

    def save_model(self, request, obj, form, change):
        # Visibility goes through the service, which keeps the scores' copy in step.
        visibility = obj.visibility
        super().save_model(request, obj, form, change)
        if change and "visibility" in form.changed_data:
            services.member_update(member=obj, visibility=visibility)


@admin.register(NetworkAccount)
class NetworkAccountAdmin(admin.ModelAdmin):
    list_display = ["__str__", "network", "member", "source", "connected_at"]
    list_filter = ["network", "source"]
    search_fields = ["external_id", "handle"]
    raw_id_fields = ["member"]
    list_select_related = ["member__user"]

    def delete_model(self, request, obj):
        services.network_account_disconnect(account=obj)

    def delete_queryset(self, request, queryset):
        for account in queryset:
            services.network_account_disconnect(account=account)


@admin.register(AnonymousActor)
class AnonymousActorAdmin(ReadOnlyAdmin):
    list_display = ["key_hash", "network"]
    list_filter = ["network"]
    search_fields = ["key_hash"]


@admin.register(Content)
class ContentAdmin(ReadOnlyAdmin):
    list_display = ["external_id", "account", "posted_at"]
    search_fields = ["external_id", "text"]
    raw_id_fields = ["account"]
    list_select_related = ["account__member__user"]


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ["kind", "network", "subject", "occurred_at"]
    list_filter = ["kind", "network"]
    raw_id_fields = ["subject", "content", "actor_account", "actor_anonymous"]
    date_hierarchy = "occurred_at"
    list_select_related = ["subject__member__user"]
    show_full_result_count = False


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "original_name",
        "format",
        "status",
        "read",
        "stored",
        "duplicates",
        "not_member",
        "rejected",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "format", "demo_members"]
    search_fields = ["original_name"]
    list_select_related = ["created_by"]


@admin.register(AlgorithmVersion)
class AlgorithmVersionAdmin(admin.ModelAdmin):
    """Staff create versions here, shadow-run them, read the migration report, and switch."""

    list_display = ["name", "is_active", "calibrated_at", "activated_at", "created_at"]
    readonly_fields = ["calibration", "calibrated_at", "is_active", "activated_at", "created_at"]
    actions = ["shadow_run", "activate"]

    def get_readonly_fields(self, request, obj=None):
        # A version is frozen once it exists: a change is a new version.
        return [*self.readonly_fields, "name", "parameters"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["description"])
            return
        try:
            created = runs.algorithm_version_create(
                name=obj.name, description=obj.description, parameters=obj.parameters or {}
            )
        except DomainError as error:
            raise ValidationError(error.message) from None
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Shadow-run the selected versions (in a worker)")
    def shadow_run(self, request, queryset):
        for version in queryset:
            run = runs.score_run_start(version=version, shadow=True)
            transaction.on_commit(lambda run_id=run.pk: score_run_task.delay(run_id=run_id))
            link = reverse("admin:scoring_scorerun_change", args=[run.pk])
            self.message_user(
                request, format_html('Shadow run <a href="{}">{}</a> started.', link, run)
            )

    @admin.action(description="Switch to the selected version (after a shadow run)")
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one version.", messages.ERROR)
            return
        try:
            version = runs.algorithm_version_activate(version=queryset.get())
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, f"{version.name} is active from the next run on.")


@admin.register(ScoreRun)
class ScoreRunAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "version",
        "is_shadow",
        "status",
        "as_of",
        "members_scored",
        "actions_used",
        "finished_at",
    ]
    list_filter = ["status", "is_shadow", "version"]
    actions = ["download_csv"]
    change_form_template = "admin/scoring/scorerun/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = ScoreRun.objects.filter(pk=object_id).first()
        extra = dict(extra_context or {})
        if run is not None and run.is_shadow and run.status == ScoreRun.Status.COMPLETE:
            extra["report"] = selectors_scores.shadow_report(run=run)
        return super().change_view(request, object_id, form_url, extra_context=extra)

    @admin.action(description="Download the scores as CSV (one complete run)")
    def download_csv(self, request, queryset):
        if queryset.count() != 1 or queryset.get().status != ScoreRun.Status.COMPLETE:
            self.message_user(request, "Choose exactly one complete run.", messages.ERROR)
            return None
        run = queryset.get()
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="scores-run-{run.pk}.csv"'
        write_scores_csv(run, response)
        return response


from scoring import admin_topics  # noqa: E402,F401  (registers the topic admin)
