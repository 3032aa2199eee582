"""Import pages: a member uploads their own archive; staff upload bulk files. Both follow
the import's progress on its page while a worker runs it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from core.errors import DomainError
from scoring import services
from scoring.forms import MemberArchiveForm, StaffImportForm
from scoring.models import ImportBatch
from scoring.selectors.members import import_batches_visible_to, member_twitter_accounts
from scoring.services.imports import (
    import_batch_progress,
    member_archive_import_create,
    staff_import_create,
)


def _refused(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _too_large(request: HttpRequest, limit: int) -> bool:
    """Refuse an oversized upload from its declared length, before reading its body."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    if declared > limit + 64 * 1024:  # room for the form's other fields
        messages.error(request, f"The upload is {declared:,} bytes; the limit is {limit:,} bytes.")
        return True
    return False


def _to_import_page(batch: ImportBatch) -> HttpResponse:
    """Go to the new import's page, which says where it stands. No flash note that it "is
    being imported": with tasks run in process (or a quick worker) it has already ended,
    and a note above a failure would contradict it."""
    return redirect("import_detail", import_id=batch.pk)


@login_required
def member_imports(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _too_large(request, settings.IMPORT_MEMBER_MAX_BYTES):
        return redirect("member_imports")
    member = services.member_for_user(user=request.user)
    accounts = member_twitter_accounts(member=member)
    form = MemberArchiveForm(request.POST or None, request.FILES or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            batch = member_archive_import_create(
                member=member,
                file=form.cleaned_data["file"],
                account=form.cleaned_data.get("account"),
            )
        except DomainError as error:
            _refused(form, error)
        else:
            return _to_import_page(batch)
    imports = import_batches_visible_to(user=request.user).filter(member=member)[:50]
    return render(
        request, "scoring/imports.html", {"form": form, "imports": imports, "member": member}
    )


@staff_member_required
def staff_imports(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and _too_large(request, settings.IMPORT_STAFF_MAX_BYTES):
        return redirect("staff_imports")
    form = StaffImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = staff_import_create(
                user=request.user,
                file=data["file"],
                format_name=data["format"],
                network=data["network"],
                account_external_id=data["account_external_id"],
                skip_invalid=data["skip_invalid"],
                demo_members=data["demo_members"],
            )
        except DomainError as error:
            _refused(form, error)
        else:
            return _to_import_page(batch)
    imports = import_batches_visible_to(user=request.user)[:100]
    return render(request, "scoring/staff_imports.html", {"form": form, "imports": imports})


@login_required
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    batch = get_object_or_404(import_batches_visible_to(user=request.user), pk=import_id)
    context = {
        "batch": batch,
        "progress": import_batch_progress(batch=batch),
        # A failed import shows its error instead of a bar and counts: it stored nothing,
        # and the bar's 100% would read as success.
        "failed": batch.status == ImportBatch.Status.FAILED,
    }
    return render(request, "scoring/import_detail.html", context)


@never_cache
@login_required
def import_progress(request: HttpRequest, import_id: int) -> JsonResponse:
    batch = get_object_or_404(import_batches_visible_to(user=request.user), pk=import_id)
    return JsonResponse(import_batch_progress(batch=batch))
