"""Pages of the member roster import and export (thin: the work is in
members/imports.py, members/exports.py and the Celery task)."""

from __future__ import annotations

import logging
import uuid
from functools import partial
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from branches import scoping
from branches.models import Organization
from config import exports
from config.forms import BootstrapFormMixin

from . import imports
from .exports import export_members_xlsx
from .models import ImportJob, ImportStatus, Member
from .tasks import run_member_import

logger = logging.getLogger(__name__)

FINISHED = imports.FINISHED


class MemberImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster file"),
        help_text=gettext_lazy(
            "An Excel workbook (.xlsx) or a CSV file, at most 10 MB, with the column "
            "headings in the first row."
        ),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Preview first: check every row without saving"),
        required=False,
        initial=True,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name
        if Path(name).suffix.lower() not in imports.EXTENSIONS:
            raise forms.ValidationError(
                _("%(name)s: only .xlsx and .csv files can be imported.") % {"name": name}
            )
        if upload.size > imports.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("%(name)s is larger than 10 MB; split the roster into several files.")
                % {"name": name}
            )
        try:
            if Path(name).suffix.lower() == ".xlsx":
                imports.check_xlsx(upload)
            else:
                imports.csv_encoding(upload)
        except imports.FileProblem as problem:
            raise forms.ValidationError(
                _("%(name)s: %(problem)s") % {"name": name, "problem": problem}
            ) from None
        finally:
            upload.seek(0)
        return upload


def _branch(request, pk) -> Organization:
    """404 outside the user's reach, 403 where the user may only look."""
    branch = get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)
    scoping.require(request.user, scoping.CHANGE, branch)
    return branch


def _job(request, pk) -> ImportJob:
    job = get_object_or_404(
        ImportJob.objects.visible_to(request.user).select_related("branch", "created_by"), pk=pk
    )
    scoping.require(request.user, scoping.CHANGE, job.branch)
    return job


def _enqueue(job_id: int, language: str) -> None:
    run_member_import.delay(job_id, language=language)


def _create_job(*, request, branch, file_name: str, original_name: str, dry_run: bool, upload=None):
    with transaction.atomic():
        job = ImportJob(
            branch=branch,
            original_name=original_name[:255],
            dry_run=dry_run,
            created_by=request.user,
        )
        if upload is not None:
            job.file.save(file_name, upload, save=False)
        else:
            job.file.name = file_name
        job.save()
        transaction.on_commit(partial(_enqueue, job.pk, translation.get_language()), robust=True)
    return job


@login_required
def upload(request, branch_pk):
    branch = _branch(request, branch_pk)
    problem = imports.branch_problem(branch)
    if request.method == "POST":
        form = MemberImportForm(request.POST, request.FILES)
        if problem:
            form.add_error(None, problem)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            job = _create_job(
                request=request,
                branch=branch,
                # A random name: the user's file name stays out of the file system.
                file_name=f"{uuid.uuid4().hex}{suffix}",
                original_name=Path(upload.name).name,
                dry_run=form.cleaned_data["dry_run"],
                upload=upload,
            )
            return redirect("member-import:job", pk=job.pk)
    else:
        form = MemberImportForm()
    jobs = (
        ImportJob.objects.visible_to(request.user)
        .filter(branch=branch)
        .select_related("created_by")[:10]
    )
    context = {
        "branch": branch,
        "form": form,
        "problem": problem,
        "jobs": jobs,
        "columns": imports.COLUMNS,
        "max_rows": imports.MAX_ROWS,
    }
    return render(request, "members/import_upload.html", context)


def _confirmed_by(job: ImportJob) -> ImportJob | None:
    """The job that saves this preview's file for real, if there is one."""
    pk = (job.report or {}).get("confirmed_by")
    return ImportJob.objects.filter(pk=pk).first() if pk else None


def _status_context(job: ImportJob) -> dict:
    report = job.report or {}
    running = job.status not in FINISHED
    percent = 0
    if job.total_rows:
        percent = min(100, job.processed_rows * 100 // job.total_rows)
    confirmed_by = _confirmed_by(job) if job.status == ImportStatus.CHECKED else None
    return {
        "job": job,
        "report": report,
        "running": running,
        "saving": report.get("phase") == "saving",
        "percent": percent,
        "errors": report.get("errors", []),
        "warnings": report.get("warnings", []),
        "confirmed_by": confirmed_by,
        "can_confirm": job.status == ImportStatus.CHECKED
        and job.dry_run
        and not report.get("errors")
        and confirmed_by is None,
    }


@login_required
def job_detail(request, pk):
    job = _job(request, pk)
    return render(request, "members/import_job.html", _status_context(job))


@login_required
def job_progress(request, pk):
    """The status part of the job page, polled by htmx while the job runs."""
    job = _job(request, pk)
    return render(request, "members/import_job_status.html", _status_context(job))


@login_required
@require_POST
def job_confirm(request, pk):
    """Save a clean preview for real: a new job on the same file."""
    job = _job(request, pk)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)  # one confirmation at a time
        existing = _confirmed_by(job)
        if existing is not None:
            return redirect("member-import:job", pk=existing.pk)
        if not (job.dry_run and job.status == ImportStatus.CHECKED) or job.report.get("errors"):
            messages.error(request, _("Only a preview without errors can be saved."))
            return redirect("member-import:job", pk=job.pk)
        if not job.file or not job.file.storage.exists(job.file.name):
            messages.error(request, _("The uploaded file is no longer kept; upload it again."))
            return redirect("member-import:upload", branch_pk=job.branch_id)
        new = _create_job(
            request=request,
            branch=job.branch,
            file_name=job.file.name,
            original_name=job.original_name,
            dry_run=False,
        )
        job.report = {**job.report, "confirmed_by": new.pk}
        job.save(update_fields=["report"])
    return redirect("member-import:job", pk=new.pk)


@login_required
def export(request, branch_pk):
    """The current members of the organisation's subtree, ID-card numbers in full."""
    branch = _branch(request, branch_pk)
    members = (
        Member.objects.visible_to(request.user, scoping.CHANGE)
        .filter(branch__path__descendant_of=branch.path, left_on__isnull=True)
        .order_by("branch__path", "name", "pk")
    )
    output, rows = export_members_xlsx(members)
    exports.record_export(request, what="members.roster", row_count=rows, organization=branch)
    filename = f"{branch.name}-党员名册-{timezone.localdate():%Y%m%d}.xlsx"
    return exports.file_response(output, filename)
