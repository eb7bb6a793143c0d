"""The activity page (particulars, registry picks, attendance summary,
attachments) and the attachment upload, download and deletion."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from branches import scoping
from config.forms import add_service_errors

from . import files, services
from .forms import AttachmentUploadForm
from .models import Activity, Attachment, Attendance, AttendanceStatus

ATTACHMENT_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def _activity(request, pk):
    return get_object_or_404(
        Activity.objects.visible_to(request.user).select_related(
            "organization",
            "teacher__organization",
            "base__organization",
            "textbook__organization",
            "lecturer_member",
            "created_by",
        ),
        pk=pk,
    )


def attendance_summary(user, activity) -> dict:
    counts = dict(
        Attendance.objects.visible_to(user)
        .filter(activity=activity)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    rows = [(value, label, counts.get(value, 0)) for value, label in AttendanceStatus.choices]
    return {"rows": rows, "total": sum(counts.values())}


def _render_detail(request, activity, upload_form=None):
    can_change = scoping.can(request.user, scoping.CHANGE, activity.organization)
    attachments = Attachment.objects.visible_to(request.user).filter(activity=activity)
    context = {
        "activity": activity,
        "branch": activity.organization,
        "can_change": can_change,
        "attendance": attendance_summary(request.user, activity),
        "attachments": list(attachments.order_by("uploaded_at", "pk")),
        "upload_form": upload_form or (AttachmentUploadForm() if can_change else None),
        "max_attachments": services.MAX_ATTACHMENTS_PER_ACTIVITY,
    }
    return render(request, "education/activity_detail.html", context)


@login_required
@require_GET
def activity_detail(request, pk):
    return _render_detail(request, _activity(request, pk))


@login_required
@require_POST
def attachment_upload(request, pk):
    activity = _activity(request, pk)
    scoping.require(request.user, scoping.CHANGE, activity.organization)
    form = AttachmentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = services.attachments_add(
                actor=request.user,
                activity=activity,
                kind=form.cleaned_data["kind"],
                uploaded_files=form.cleaned_data["file"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext("%(n)s file was attached.", "%(n)s files were attached.", len(added))
                % {"n": len(added)},
            )
            return redirect("education:detail", pk=activity.pk)
    return _render_detail(request, activity, upload_form=form)


@login_required
@require_GET
def attachment_download(request, pk):
    """Serve the stored file under its sniffed type; never run by the browser."""
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing.")) from None
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        # Images are shown in the page; PDFs and anything else are downloaded,
        # so no script in a PDF runs under this site's origin.
        as_attachment=not attachment.content_type.startswith("image/"),
        filename=files.download_name(attachment.original_name, attachment.extension),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = ATTACHMENT_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    patch_cache_control(response, private=True, max_age=3600)
    return response


@login_required
@require_POST
def attachment_delete(request, pk):
    attachment = get_object_or_404(
        Attachment.objects.visible_to(request.user).select_related("activity"), pk=pk
    )
    activity_pk = attachment.activity_id
    services.attachment_delete(actor=request.user, attachment=attachment)
    messages.success(request, _("%(name)s was deleted.") % {"name": attachment.original_name})
    return redirect("education:detail", pk=activity_pk)
