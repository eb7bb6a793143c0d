"""The year-end mobility report of a city or county organisation department
to the one above (document 3, 四; document 4).

`year_report_generate` creates or refreshes the draft and queues
`mobility.tasks.build_year_report`, which computes the figures of the
subtree for the year and renders the PDF and the .xlsx. The department
then submits; the parent local committee accepts or returns it.
"""

from __future__ import annotations

import datetime

import pghistory
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from branches import scoping
from branches.models import Organization, OrgKind, OrgLevel
from branches.policies import policy_in_force
from config.pdf import render_pdf

from .models import (
    Certificate,
    CertificateEntry,
    CertificateReview,
    Episode,
    EpisodeStatus,
    MemberReport,
    MobilityYearReport,
    ReportKind,
    YearReportStatus,
)

# A report is due upward by 31 January of the following year. Document 3
# gives no date; this is the working deadline, not a policy figure.
DEADLINE_MONTH = 1
DEADLINE_DAY = 31

REPORTING_LEVELS = (OrgLevel.CITY, OrgLevel.COUNTY)
EDITABLE = (YearReportStatus.DRAFT, YearReportStatus.RETURNED)

# The figures, in the order of the PDF and the .xlsx, with their labels.
FIGURE_LABELS = (
    ("out_at_year_end", "年末在外流出党员"),
    ("in_at_year_end", "年末流入党员"),
    ("new_episodes", "本年新外出党员"),
    ("returned", "本年返回党员"),
    ("certificates_issued", "本年发放流动党员活动证"),
    ("certificates_checked_in", "本年流入地查验登记活动证"),
    ("certificates_reviewed", "本年审验活动证"),
    ("org_life_entries", "活动证记载组织生活次数"),
    ("dues_entries", "活动证记载交纳党费次数"),
    ("yearly_reports_due", "应报告年度情况人次"),
    ("yearly_reports_received", "已报告年度情况人次"),
    ("lost_contact", "年末失联党员"),
    ("probationary_away", "年末在外预备党员"),
)


def _audit(actor, action: str):
    return pghistory.context(user=actor.pk if actor else None, action=action)


def deadline(year: int) -> datetime.date:
    return datetime.date(year + 1, DEADLINE_MONTH, DEADLINE_DAY)


def is_reporting_organization(organization: Organization) -> bool:
    return organization.kind == OrgKind.LOCAL_COMMITTEE and organization.level in REPORTING_LEVELS


def is_late(report: MobilityYearReport | None, year: int, today=None) -> bool:
    """Not submitted by the deadline (a submission after it stays late)."""
    today = today or timezone.localdate()
    due = deadline(year)
    if report is None or report.submitted_at is None:
        return today > due
    return timezone.localdate(report.submitted_at) > due


def _lock(report: MobilityYearReport) -> MobilityYearReport:
    return (
        MobilityYearReport.objects.select_for_update()
        .select_related("organization")
        .get(pk=report.pk)
    )


# --- figures ----------------------------------------------------------------------


def compute_figures(organization: Organization, year: int) -> dict[str, int]:
    """The figures of the organisation's subtree for `year` (a few counts)."""
    path = organization.path
    end = datetime.date(year, 12, 31)
    out = Q(outflow_branch__path__descendant_of=path)
    inflow = Q(inflow_organization__path__descendant_of=path)
    live = ~Q(status=EpisodeStatus.CANCELLED)
    away_at_end = (
        live & Q(started_on__lte=end) & (Q(returned_on__isnull=True) | Q(returned_on__gt=end))
    )
    episodes = Episode.objects.all()
    out_at_end = episodes.filter(out & away_at_end)
    certificates = Certificate.objects.filter(episode__outflow_branch__path__descendant_of=path)
    entries = CertificateEntry.objects.filter(
        certificate__episode__outflow_branch__path__descendant_of=path, on__year=year
    )
    per_year = policy_in_force(organization, "mobile_reports_per_year", end) or 1
    # An episode that started in the last weeks of the year owes no report yet:
    # count those away during the whole of the second half.
    owing = out_at_end.filter(started_on__lte=datetime.date(year, 6, 30))
    received = (
        MemberReport.objects.filter(episode__in=owing, kind=ReportKind.YEARLY, year=year)
        .values("episode")
        .distinct()
        .count()
    )
    return {
        "out_at_year_end": out_at_end.count(),
        "in_at_year_end": episodes.filter(inflow & away_at_end).count(),
        "new_episodes": episodes.filter(out & live & Q(started_on__year=year)).count(),
        "returned": episodes.filter(
            out & Q(status=EpisodeStatus.RETURNED, returned_on__year=year)
        ).count(),
        "certificates_issued": certificates.filter(issued_at__year=year).count(),
        "certificates_checked_in": Certificate.objects.filter(
            checked_in_org__path__descendant_of=path, checked_in_at__year=year
        ).count(),
        "certificates_reviewed": CertificateReview.objects.filter(
            certificate__episode__outflow_branch__path__descendant_of=path, year=year
        ).count(),
        "org_life_entries": entries.filter(kind="org_life").count(),
        "dues_entries": entries.filter(kind="dues").count(),
        "yearly_reports_due": owing.count() * int(per_year),
        "yearly_reports_received": received,
        "lost_contact": out_at_end.filter(lost_contact_since__lte=end).count(),
        "probationary_away": out_at_end.filter(member__status="probationary").count(),
    }


def _xlsx(report: MobilityYearReport) -> bytes:
    import io

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{report.year}年流动党员"
    sheet.append([f"{report.organization.name}{report.year}年度流动党员工作情况"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["项目", "数量"])
    for key, label in FIGURE_LABELS:
        sheet.append([label, report.figures.get(key, 0)])
    sheet.column_dimensions["A"].width = 30
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build(report_id: int) -> bool:
    """Compute the figures and render the files of a draft report.

    Idempotent: a second run rewrites the same figures; a report already
    submitted or accepted is left as it is (returns False)."""
    with transaction.atomic():
        report = (
            MobilityYearReport.objects.select_for_update()
            .select_related("organization")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.status not in EDITABLE:
            return False
        report.figures = compute_figures(report.organization, report.year)
        rows = [(label, report.figures[key]) for key, label in FIGURE_LABELS]
        pdf = render_pdf(
            "mobility/registry/year_report_pdf.html",
            {"report": report, "rows": rows, "generated": timezone.localtime()},
        )
        stem = f"{report.organization.code}-{report.year}"
        old_names = [f.name for f in (report.pdf, report.xlsx) if f]
        report.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        report.xlsx.save(f"{stem}.xlsx", ContentFile(_xlsx(report)), save=False)
        report.generated_at = timezone.now()
        with pghistory.context(action="mobility_year_report_build"):
            report.save(update_fields=["figures", "pdf", "xlsx", "generated_at"])
        storage = report.pdf.storage
    for name in old_names:
        if name not in (report.pdf.name, report.xlsx.name):
            transaction.on_commit(lambda n=name: storage.delete(n))
    return True


# --- services ---------------------------------------------------------------------


@transaction.atomic
def year_report_generate(*, actor, organization: Organization, year: int) -> MobilityYearReport:
    """Create or refresh the draft report and queue its computation."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    scoping.require(actor, scoping.CHANGE, organization)
    if not is_reporting_organization(organization):
        raise ValidationError(
            {
                "organization": _(
                    "Only a city or county local party committee reports on mobile members "
                    "to the one above."
                )
            }
        )
    this_year = timezone.localdate().year
    if not 2000 <= year <= this_year:
        raise ValidationError(
            {"year": _("Choose a year between 2000 and %(year)s.") % {"year": this_year}}
        )
    with _audit(actor, "mobility_year_report_generate"):
        report, _created = MobilityYearReport.objects.get_or_create(
            organization=organization, year=year
        )
        report = _lock(report)
        if report.status not in EDITABLE:
            raise ValidationError(
                {
                    "status": _(
                        "The %(year)s report is %(status)s: it can no longer be regenerated."
                    )
                    % {"year": year, "status": report.get_status_display()}
                }
            )
        report.generated_at = None
        report.save(update_fields=["generated_at"])
    from .tasks import build_year_report

    transaction.on_commit(lambda: build_year_report.delay(report.pk))
    return report


@transaction.atomic
def year_report_submit(*, actor, report: MobilityYearReport) -> MobilityYearReport:
    report = _lock(report)
    scoping.require(actor, scoping.CHANGE, report.organization)
    if report.status not in EDITABLE:
        raise ValidationError(
            {
                "status": _(
                    "Only a draft or returned report can be submitted; this one is %(status)s."
                )
                % {"status": report.get_status_display()}
            }
        )
    if report.generated_at is None:
        raise ValidationError(
            {"status": _("Wait until the report has been generated, then submit it.")}
        )
    with _audit(actor, "mobility_year_report_submit"):
        report.status = YearReportStatus.SUBMITTED
        report.submitted_by = actor
        report.submitted_at = timezone.now()
        report.save(update_fields=["status", "submitted_by", "submitted_at"])
    return report


def _decide(*, actor, report, status: str, note: str, action: str) -> MobilityYearReport:
    report = _lock(report)
    upper = report.organization.parent
    if upper is None:
        raise ValidationError({"organization": _("This organisation has no upper organisation.")})
    scoping.require(actor, scoping.CHANGE, upper)
    if report.status != YearReportStatus.SUBMITTED:
        raise ValidationError(
            {
                "status": _(
                    "Only a submitted report can be accepted or returned; this one is %(status)s."
                )
                % {"status": report.get_status_display()}
            }
        )
    with _audit(actor, action):
        report.status = status
        report.decided_by = actor
        report.decided_at = timezone.now()
        report.decision_note = note
        report.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return report


@transaction.atomic
def year_report_accept(*, actor, report: MobilityYearReport, note: str = "") -> MobilityYearReport:
    return _decide(
        actor=actor,
        report=report,
        status=YearReportStatus.ACCEPTED,
        note=note.strip()[:300],
        action="mobility_year_report_accept",
    )


@transaction.atomic
def year_report_return(*, actor, report: MobilityYearReport, note: str) -> MobilityYearReport:
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what must be revised.")})
    if len(note) > 300:
        raise ValidationError({"note": _("Keep the note under 300 characters.")})
    return _decide(
        actor=actor,
        report=report,
        status=YearReportStatus.RETURNED,
        note=note,
        action="mobility_year_report_return",
    )


# --- selectors --------------------------------------------------------------------


def child_reports(*, user, organization: Organization, year: int, today=None) -> list[dict]:
    """The city/county committees directly under `organization`, each with
    its report for `year` (or None) and whether it is late."""
    children = (
        Organization.objects.visible_to(user)
        .filter(
            parent=organization,
            kind=OrgKind.LOCAL_COMMITTEE,
            level__in=REPORTING_LEVELS,
            dissolved__isnull=True,
        )
        .order_by("code")
    )
    reports = {
        r.organization_id: r
        for r in MobilityYearReport.objects.visible_to(user).filter(
            organization__parent=organization, year=year
        )
    }
    rows = []
    for child in children:
        report = reports.get(child.pk)
        rows.append({"organization": child, "report": report, "late": is_late(report, year, today)})
    return rows


def figure_rows(report: MobilityYearReport | None) -> list[tuple[str, int]]:
    if report is None or not report.figures:
        return []
    return [(label, report.figures.get(key, 0)) for key, label in FIGURE_LABELS]
