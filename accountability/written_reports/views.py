"""Pages of annual written reports (document 4, 四). Thin: reads through
selectors, writes through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from branches import scoping
from branches.models import Organization
from config import exports
from config.forms import add_service_errors
from config.pdf import render_pdf
from education import files

from . import selectors, services
from .forms import NoteForm, SectionsForm, StartForm, YearForm
from .models import WrittenReport

PAGE_SIZE = 100
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
PDF_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'"
PDF_CSS = """
h1 { font-size: 16pt; text-align: center; margin-bottom: 2mm; }
h2 { font-size: 12pt; margin: 5mm 0 2mm; }
p.meta { text-align: center; color: #444; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; }
th, td { border: 0.5pt solid #888; padding: 1.5mm; vertical-align: top; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
.text { white-space: pre-wrap; }
"""


def _org(request, org_pk) -> Organization:
    return get_object_or_404(Organization.objects.visible_to(request.user), pk=org_pk)


def _report(request, pk) -> WrittenReport:
    return get_object_or_404(selectors.report_queryset(request.user), pk=pk)


@login_required
def org_reports(request, org_pk):
    """The organisation's own reports by year, and the button to start one."""
    org = _org(request, org_pk)
    must_report = services.must_report(org)
    can_start = must_report and scoping.can(request.user, scoping.CHANGE, org)
    reports = list(selectors.reports_of(request.user, org))
    today = services.today()
    form = None
    if request.method == "POST":
        scoping.require(request.user, scoping.CHANGE, org)
        form = StartForm(request.POST)
        if form.is_valid():
            try:
                report = services.report_start(
                    actor=request.user, organization=org, year=form.cleaned_data["year"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The report was started with this year's figures."))
                return redirect("written_reports:edit", pk=report.pk)
    have = {r.year for r in reports}
    startable = [y for y in (today.year, today.year - 1) if y not in have] if can_start else []
    for report in reports:
        report.is_late = selectors.is_late(report, report.year, today)
        report.due_on = services.due_on(report.year)
    return render(
        request,
        "accountability/written_reports/org_reports.html",
        {
            "org": org,
            "reports": reports,
            "must_report": must_report,
            "can_start": can_start,
            "startable": startable,
            "form": form,
            "late_missing": [
                y
                for y in (today.year - 1,)
                if must_report and y not in have and selectors.is_late(None, y, today)
            ],
        },
    )


def _context(request, report):
    figures = list(selectors.figures_of(report))
    return {
        "report": report,
        "figures": figures,
        "due_on": services.due_on(report.year),
        "opens_on": services.opens_on(report.year),
        "is_late": selectors.is_late(report, report.year),
        "submitted_late": bool(
            report.first_submitted_at
            and timezone.localtime(report.first_submitted_at).date() > services.due_on(report.year)
        ),
        "can_edit": report.is_editable
        and scoping.can(request.user, scoping.CHANGE, report.organization),
        "can_review": report.status in ("submitted", "resubmitted")
        and scoping.can(request.user, scoping.CHANGE, report.recipient)
        and report.submitted_by_id != request.user.pk,
    }


@login_required
@require_GET
def report_page(request, pk):
    """The report, read-only, with its figures, history and the recipient's decision."""
    report = _report(request, pk)
    context = _context(request, report)
    context["timeline"] = selectors.timeline(report)
    context["note_form"] = NoteForm()
    return render(request, "accountability/written_reports/report.html", context)


@login_required
def edit(request, pk):
    """The reporting organisation writes the sections; recompute and submit are steps."""
    report = _report(request, pk)
    services.require_reporter(request.user, report)
    if not report.is_editable:
        messages.info(
            request,
            _("The report is “%(status)s” and cannot be edited.")
            % {"status": report.get_status_display()},
        )
        return redirect("written_reports:report", pk=report.pk)
    if request.method == "POST":
        form = SectionsForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.report_update(actor=request.user, report=report, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("written_reports:edit", pk=report.pk)
    else:
        form = SectionsForm(initial={name: getattr(report, name) for name in services.SECTIONS})
    context = _context(request, report)
    context["form"] = form
    return render(request, "accountability/written_reports/edit.html", context)


@login_required
@require_POST
def step(request, pk, step):
    report = _report(request, pk)
    if step in ("recompute", "submit"):
        services.require_reporter(request.user, report)
        back = "written_reports:edit"
    elif step in ("accept", "return"):
        services.require_recipient(request.user, report)
        back = "written_reports:report"
    else:
        raise Http404
    kwargs = {}
    if step in ("accept", "return"):
        form = NoteForm(request.POST)
        if not form.is_valid():  # e.g. too long: never accept or return without the note
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
            return redirect(back, pk=report.pk)
        kwargs["note"] = form.cleaned_data["note"]
    service = {
        "recompute": services.report_recompute,
        "submit": services.report_submit,
        "accept": services.report_accept,
        "return": services.report_return,
    }[step]
    try:
        report = service(actor=request.user, report=report, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back, pk=report.pk)
    messages.success(
        request,
        {
            "recompute": _("The figures were computed again."),
            "submit": _("The report was submitted to %(org)s.") % {"org": report.recipient},
            "accept": _("The report was accepted."),
            "return": _("The report was returned for revision."),
        }[step],
    )
    return redirect("written_reports:report", pk=report.pk)


def pdf_response(request, report: WrittenReport) -> HttpResponse:
    context = _context(request, report)
    context["base_url"] = request.build_absolute_uri("/").rstrip("/")
    content = render_pdf("accountability/written_reports/pdf.html", context, extra_css=PDF_CSS)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="written-report-{report.organization_id}-{report.year}.pdf"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PDF_CSP
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_GET
def pdf(request, pk):
    """The report as a PDF, with the sections and the figures with their formulas."""
    context_report = _report(request, pk)
    return pdf_response(request, context_report)


@login_required
@require_GET
def plenary_file(request, pk):
    """Serve the plenary attachment under its sniffed type; never run by the browser."""
    report = get_object_or_404(
        WrittenReport.objects.visible_to(request.user).exclude(plenary_file=""), pk=pk
    )
    try:
        handle = report.plenary_file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The file is missing.")) from None
    response = FileResponse(
        handle,
        content_type=report.plenary_content_type,
        as_attachment=not report.plenary_content_type.startswith("image/"),
        filename=files.download_name(report.plenary_file_name, report.plenary_extension),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    patch_cache_control(response, private=True, max_age=3600)
    return response


RECEIVED_COLUMNS = [
    (gettext_lazy("reporting organisation"), "organization.name", 28),
    (gettext_lazy("status"), "status_label"),
    (gettext_lazy("late"), "late"),
    (gettext_lazy("submitted late"), "submitted_late"),
    (gettext_lazy("submitted at"), "report.submitted_at"),
]


@login_required
@require_GET
def received(request, org_pk):
    """The recipient's side: for a year, every organisation that reports to it,
    with its status and who is late."""
    org = _org(request, org_pk)
    today = services.today()
    form = YearForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or (
        today.year - 1 if today < services.opens_on(today.year) else today.year
    )
    rows, counts = selectors.received(request.user, org, year, today)
    if exports.wants_xlsx(request):
        return exports.xlsx_response(
            request,
            rows=rows,
            columns=RECEIVED_COLUMNS,
            filename=exports.dated_filename(org.name, _("Written reports received"), year),
            what="written_reports.received",
            organization=org,
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accountability/written_reports/received.html",
        {
            "org": org,
            "year": year,
            "years": list(range(today.year, max(services.FIRST_YEAR, today.year - 5) - 1, -1)),
            "page": page,
            "counts": counts,
            "due_on": services.due_on(year),
            "today": today,
        },
    )
