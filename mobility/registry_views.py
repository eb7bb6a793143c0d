"""Pages of the mobile-member information database and the year-end report
(thin: the work is in mobility/registry.py and mobility/year_report.py)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from branches import scoping
from branches.models import Organization
from config import exports

from . import registry, year_report
from .models import CertificateStatus, EpisodeStatus, MobilityYearReport, Reason
from .registry import XLSX_CONTENT_TYPE

FILTER_KEYS = (
    "side",
    "status",
    "region",
    "reason",
    "away_months",
    "lost_contact",
    "certificate",
    "q",
)


def _org(request, pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=pk)


def _report(request, pk) -> MobilityYearReport:
    return get_object_or_404(
        MobilityYearReport.objects.visible_to(request.user).select_related("organization__parent"),
        pk=pk,
    )


def _year(request) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or this_year - 1)
    except ValueError:
        return this_year - 1
    return year if 2000 <= year <= this_year else this_year - 1


@login_required
def database(request, org_pk):
    """流动党员信息库: the out and in sides of the organisation's subtree."""
    organization = _org(request, org_pk)
    filters = registry.DatabaseFilters.from_params(request.GET)
    episodes = registry.database_episodes(
        user=request.user, organization=organization, filters=filters
    )
    page = Paginator(episodes, registry.PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    params = {k: request.GET[k] for k in FILTER_KEYS if request.GET.get(k)}
    return render(
        request,
        "mobility/registry/database.html",
        {
            "organization": organization,
            "filters": filters,
            "page": page,
            "rows": [(e, registry.months_away(e, today)) for e in page.object_list],
            "query": urlencode(params),
            "side_query": urlencode({k: v for k, v in params.items() if k != "side"}),
            "statuses": EpisodeStatus.choices,
            "reasons": Reason.choices,
            "certificate_states": CertificateStatus.choices,
        },
    )


@login_required
def database_export(request, org_pk):
    """The same filtered list as an .xlsx workbook; who exported what is recorded."""
    organization = _org(request, org_pk)
    filters = registry.DatabaseFilters.from_params(request.GET)
    episodes = registry.database_episodes(
        user=request.user, organization=organization, filters=filters
    )
    side = _("Out") if filters.side == registry.OUT else _("In")
    return exports.xlsx_response(
        request,
        rows=episodes,
        columns=registry.export_columns(timezone.localdate()),
        filename=exports.dated_filename(organization.name, _("Mobile-member database"), side),
        what="mobility.database",
        organization=organization,
        sheet_title=str(registry.SHEET_TITLE),
    )


@login_required
def report_page(request, org_pk):
    """The organisation's own year-end report: generate, download, submit."""
    organization = _org(request, org_pk)
    year = _year(request)
    report = (
        MobilityYearReport.objects.visible_to(request.user)
        .filter(organization=organization, year=year)
        .first()
    )
    return render(
        request,
        "mobility/registry/year_report.html",
        {
            "organization": organization,
            "year": year,
            "years": range(timezone.localdate().year, 2019, -1),
            "report": report,
            "reporting": year_report.is_reporting_organization(organization),
            "can_change": scoping.can(request.user, scoping.CHANGE, organization),
            "deadline": year_report.deadline(year),
            "reportable": year_report.is_reportable(year),
            "late": year_report.is_late(report, year),
            "rows": year_report.figure_rows(report),
        },
    )


@login_required
@require_POST
def report_generate(request, org_pk):
    organization = _org(request, org_pk)
    year = _year(request)
    try:
        year_report.year_report_generate(actor=request.user, organization=organization, year=year)
        messages.success(request, _("The report is being generated."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        messages.error(request, _("You may not generate this organisation's report."))
    return redirect(f"{reverse('mobility:year-report', args=[organization.pk])}?year={year}")


@login_required
def report_status(request, pk):
    """The small status fragment the page polls until the report is generated."""
    report = _report(request, pk)
    return render(
        request,
        "mobility/registry/_year_report_status.html",
        {"report": report, "rows": year_report.figure_rows(report)},
    )


@login_required
def report_file(request, pk, kind):
    report = _report(request, pk)
    if kind not in ("pdf", "xlsx"):
        raise Http404
    stored = getattr(report, kind)
    if not stored or report.generated_at is None:
        messages.info(request, _("The report has not been generated yet."))
        return redirect(
            f"{reverse('mobility:year-report', args=[report.organization_id])}?year={report.year}"
        )
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing.")) from None
    content_type = "application/pdf" if kind == "pdf" else XLSX_CONTENT_TYPE
    filename = f"{year_report.report_title(report)}.{kind}"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


@login_required
@require_POST
def report_submit(request, pk):
    report = _report(request, pk)
    try:
        year_report.year_report_submit(actor=request.user, report=report)
        messages.success(
            request,
            _("The report was submitted to %(org)s.") % {"org": report.organization.parent or ""},
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        messages.error(request, _("You may not submit this organisation's report."))
    return redirect(
        f"{reverse('mobility:year-report', args=[report.organization_id])}?year={report.year}"
    )


@login_required
@require_POST
def report_decide(request, pk, decision):
    report = _report(request, pk)
    upper = report.organization.parent
    try:
        if decision == "accept":
            year_report.year_report_accept(actor=request.user, report=report)
            messages.success(request, _("The report was accepted."))
        elif decision == "return":
            year_report.year_report_return(
                actor=request.user, report=report, note=request.POST.get("note", "")
            )
            messages.success(request, _("The report was returned for revision."))
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        messages.error(request, _("Only the upper organisation may accept or return a report."))
    if upper is None:
        return redirect("mobility:year-report", report.organization_id)
    return redirect(f"{reverse('mobility:year-reports', args=[upper.pk])}?year={report.year}")


@login_required
def reports_received(request, org_pk):
    """For the upper level: each child city/county committee's report, late ones marked."""
    organization = _org(request, org_pk)
    year = _year(request)
    return render(
        request,
        "mobility/registry/year_reports.html",
        {
            "organization": organization,
            "year": year,
            "years": range(timezone.localdate().year, 2019, -1),
            "rows": year_report.child_reports(
                user=request.user, organization=organization, year=year
            ),
            "deadline": year_report.deadline(year),
            "can_decide": scoping.can(request.user, scoping.CHANGE, organization),
        },
    )
