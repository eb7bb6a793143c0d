"""Pages of year-end reports (thin: the work is in services, selectors, build).
Everything answers 404 to users whose roles do not reach the organisation's
whole subtree (the dashboards' rule)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from config.exports import XLSX_CONTENT_TYPE

from . import build, selectors, services
from .forms import RequestForm
from .models import ReportStatus, YearEndReport

CONTENT_TYPES = {"pdf": "application/pdf", "xlsx": XLSX_CONTENT_TYPE}


def filename(report: YearEndReport, kind: str) -> str:
    return f"{build.title(report.organization.name, report.year)}.{kind}"


def status_data(report: YearEndReport) -> dict:
    done = report.status == ReportStatus.DONE
    return {
        "status": report.status,
        "status_label": str(report.get_status_display()),
        "progress": report.progress,
        "step": report.step,
        "step_label": report.step_label,
        "generation": report.generation,
        "error": report.error if report.status == ReportStatus.FAILED else "",
        "pdf_url": reverse("reports:download", args=[report.pk, "pdf"]) if done else None,
        "xlsx_url": reverse("reports:download", args=[report.pk, "xlsx"]) if done else None,
    }


@login_required
def org_reports(request, org_pk):
    """The organisation's reports by year, and the form to generate one."""
    organization = selectors.organization_or_404(request.user, org_pk)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.year_end_report_request(
                actor=request.user, organization=organization, year=form.cleaned_data["year"]
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The report is being generated."))
            return redirect("reports:detail", report.pk)
    return render(
        request,
        "reports/org.html",
        {
            "organization": organization,
            "reports": selectors.organization_reports(request.user, organization),
            "form": form,
            "years": selectors.years(),
        },
        status=400 if form.errors else 200,
    )


@login_required
def detail(request, pk):
    report = selectors.report_or_404(request.user, pk)
    return render(
        request,
        "reports/detail.html",
        {"report": report, "organization": report.organization, "status": status_data(report)},
    )


@login_required
def status(request, pk):
    """What the page polls: status, progress, step, download links."""
    report = selectors.report_or_404(request.user, pk)
    response = JsonResponse(status_data(report))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def download(request, pk, kind):
    report = selectors.report_or_404(request.user, pk)
    if kind not in CONTENT_TYPES:  # only pdf and xlsx: back to the report's page
        return redirect("reports:detail", report.pk)
    stored = getattr(report, kind)
    if report.status != ReportStatus.DONE or not stored:
        messages.info(request, _("The report has not been generated yet."))
        return redirect("reports:detail", report.pk)
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename(report, kind),
        content_type=CONTENT_TYPES[kind],
    )
    response["Cache-Control"] = "private, no-store"
    return response
