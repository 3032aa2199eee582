"""Site-staff admin for algorithm versions and score runs: create a version, shadow-run it,
read its migration report, switch to it; download a run's scores."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from scoring.exports import write_scores_csv
from scoring.models import AlgorithmVersion, ScoreRun
from scoring.selectors.scores import shadow_report
from scoring.services.runs.execute import score_run_start
from scoring.services.versions import algorithm_version_activate, algorithm_version_create
from scoring.tasks import score_run_task


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
            created = algorithm_version_create(
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
            run = score_run_start(version=version, shadow=True)
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
            version = algorithm_version_activate(version=queryset.get())
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
            extra["report"] = shadow_report(run=run)
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
