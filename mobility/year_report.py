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
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from branches import scoping
from branches.models import Organization, OrgKind, OrgLevel
from config import outbox
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
from .reports import owes_yearly_report_q, with_reports_needed

# A report is due upward by 31 January of the following year. Document 3
# gives no date; this is the working deadline, not a policy figure.
DEADLINE_MONTH = 1
DEADLINE_DAY = 31

REPORTING_LEVELS = (OrgLevel.CITY, OrgLevel.COUNTY)
EDITABLE = (YearReportStatus.DRAFT, YearReportStatus.RETURNED)

# The figures, in the order of the PDF and the .xlsx, with their labels.
FIGURE_LABELS = (
    ("out_at_year_end", gettext_lazy("Members away (out) at the year end")),
    ("in_at_year_end", gettext_lazy("Members in from elsewhere at the year end")),
    ("new_episodes", gettext_lazy("Members who left this year")),
    ("returned", gettext_lazy("Members who returned this year")),
    ("certificates_issued", gettext_lazy("Mobile-member certificates issued this year")),
    (
        "certificates_checked_in",
        gettext_lazy("Certificates checked in at the inflow place this year"),
    ),
    ("certificates_reviewed", gettext_lazy("Certificates reviewed this year")),
    ("org_life_entries", gettext_lazy("Organisational life entered in certificates")),
    ("dues_entries", gettext_lazy("Dues payments entered in certificates")),
    ("yearly_reports_due", gettext_lazy("Yearly reports due")),
    ("yearly_reports_received", gettext_lazy("Yearly reports received")),
    ("lost_contact", gettext_lazy("Members who lost contact at the year end")),
    ("probationary_away", gettext_lazy("Probationary members away at the year end")),
)


def _audit(actor, action: str):
    return pghistory.context(user=actor.pk if actor else None, action=action)


def deadline(year: int) -> datetime.date:
    return datetime.date(year + 1, DEADLINE_MONTH, DEADLINE_DAY)


def is_reportable(year: int, today=None) -> bool:
    """A finished year, or this year from 1 December (the year-end report)."""
    today = today or timezone.localdate()
    return 2000 <= year < today.year or (year == today.year and today.month == 12)


def latest_reportable_year(today=None) -> int:
    today = today or timezone.localdate()
    return today.year if today.month == 12 else today.year - 1


def _check_year(year: int) -> None:
    today = timezone.localdate()
    if is_reportable(year, today):
        return
    if year == today.year:
        raise ValidationError(
            {
                "year": _(
                    "The %(year)s report can be made only from 1 December %(year)s: "
                    "the year is not over yet."
                )
                % {"year": year}
            }
        )
    raise ValidationError(
        {"year": _("Choose a year between 2000 and %(year)s.") % {"year": today.year}}
    )


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
    # An episode that started in the last months of the year owes no report yet:
    # count those away during the whole of the second half.
    # Each branch's `mobile_reports_per_year` (local overrides included).
    owing = with_reports_needed(out_at_end.filter(owes_yearly_report_q(year)), end)
    # The yearly reports themselves, at most the number needed per episode.
    per_episode = (
        MemberReport.objects.filter(episode=OuterRef("pk"), kind=ReportKind.YEARLY, year=year)
        .order_by()
        .values("episode")
        .annotate(n=Count("pk"))
        .values("n")
    )
    yearly = owing.annotate(
        n=Coalesce(Subquery(per_episode, output_field=IntegerField()), 0)
    ).aggregate(
        due=Coalesce(Sum("reports_needed"), 0),
        received=Coalesce(Sum(Least("n", "reports_needed")), 0),
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
        "yearly_reports_due": yearly["due"],
        "yearly_reports_received": yearly["received"],
        "lost_contact": out_at_end.filter(lost_contact_since__lte=end).count(),
        "probationary_away": out_at_end.filter(member__status="probationary").count(),
    }


def report_title(report: MobilityYearReport) -> str:
    return _("%(org)s, work on mobile members in %(year)s") % {
        "org": report.organization.name,
        "year": report.year,
    }


def _xlsx(report: MobilityYearReport) -> bytes:
    import io

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Mobile members %(year)s") % {"year": report.year}
    sheet.append([report_title(report)])
    sheet["A1"].font = Font(bold=True)
    sheet.append([_("Item"), _("Number")])
    for key, label in FIGURE_LABELS:
        sheet.append([str(label), report.figures.get(key, 0)])
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
    _check_year(year)
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

    outbox.on_commit(build_year_report, report.pk)
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
    _check_year(report.year)
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
    # The decider acts for the organisation above (CHANGE on it), as the
    # submitter acts for the reporting one; whoever submitted cannot decide.
    scoping.require(actor, scoping.CHANGE, upper)
    if report.submitted_by_id is not None and report.submitted_by_id == actor.pk:
        raise ValidationError(
            {
                "status": _(
                    "You submitted this report: someone else at %(org)s must accept or return it."
                )
                % {"org": upper}
            }
        )
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
