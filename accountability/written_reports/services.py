"""Writes of annual written reports (document 4, 四: 书面报告).

Keyword-only, atomic, scope checked inside the transaction after locking the
report, under a pghistory context naming the actor, the step and its note.

- The reporting organisation's staff (CHANGE on it) start the report, edit
  the sections, recompute the figures and submit (or resubmit).
- The recipient's staff (CHANGE on the recipient) accept it or return it
  with a note; the person who submitted it cannot accept it.
- The report for the current year may be submitted only from 1 December;
  the report for year Y is due by 31 January of Y+1 (`due_on`).
- Nothing changes after acceptance.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accountability import figures
from branches import scoping
from branches.models import Organization, OrgKind, OrgLevel, Reminder, User
from education import files

from .models import (
    AWAITING,
    EDITABLE,
    WrittenReport,
    WrittenReportFigure,
    WrittenReportStatus,
)

# No policy in branches/policies.py fits: the deadline is fixed here.
# The report for year Y is due by DUE_MONTH/DUE_DAY of Y+1 ("每年年底" — at the
# end of each year; January gives the organisations the year's final figures).
DUE_MONTH, DUE_DAY = 1, 31
# The report for the current year may be submitted from this day of December.
OPENS_MONTH, OPENS_DAY = 12, 1
FIRST_YEAR = 2006  # the year of document 4

REMINDER_KIND = "written_report_overdue"  # ReminderKind gets this value later

REPORTING_LEVELS = (OrgLevel.PROVINCE, OrgLevel.CITY, OrgLevel.COUNTY)
DEPARTMENT_KINDS = (OrgKind.DEPARTMENT_GROUP, OrgKind.DEPARTMENT_COMMITTEE)


def today() -> date:
    """Today in the project's time zone (one place, so tests can set the day)."""
    return timezone.localdate()


def due_on(year: int) -> date:
    """The last day to submit the report for `year`."""
    return date(year + 1, DUE_MONTH, DUE_DAY)


def opens_on(year: int) -> date:
    """The first day the report for `year` may be submitted."""
    return date(year, OPENS_MONTH, OPENS_DAY)


def must_report(organization: Organization) -> bool:
    """Local committees of a province, city or county and department party
    groups/committees report; grassroots committees and branches do not."""
    if organization.kind == OrgKind.LOCAL_COMMITTEE:
        return organization.level in REPORTING_LEVELS
    return organization.kind in DEPARTMENT_KINDS


def recipient_of(organization: Organization) -> Organization | None:
    """The nearest local committee above the organisation (None at the top)."""
    ids = organization.ancestor_ids
    if not ids:
        return None
    return (
        Organization.objects.filter(pk__in=ids, kind=OrgKind.LOCAL_COMMITTEE)
        .order_by("-depth")
        .first()
    )


def reminder_key(organization_id: int, year: int) -> str:
    return f"{REMINDER_KIND}:{organization_id}:{year}"


def _audit(actor, action: str, **metadata):
    return pghistory.context(user=actor.pk if actor else None, action=action, **metadata)


def _lock(report: WrittenReport) -> WrittenReport:
    report = WrittenReport.objects.select_for_update().get(pk=report.pk)
    orgs = Organization.objects.in_bulk([report.organization_id, report.recipient_id])
    report.organization = orgs[report.organization_id]
    report.recipient = orgs[report.recipient_id]
    return report


def _status_error(report: WrittenReport, expected) -> ValidationError:
    return ValidationError(
        {
            "status": _("The report is “%(status)s”; this step needs: %(expected)s.")
            % {
                "status": report.get_status_display(),
                "expected": " / ".join(str(WrittenReportStatus(s).label) for s in expected),
            }
        }
    )


def _require_side(actor: User, report: WrittenReport, side: Organization, message: str) -> None:
    """CHANGE on `side` (checked inside the transaction); otherwise 403 with the
    reason when the user sees the report (the other side, a view grant), else 404."""
    if scoping.can(actor, scoping.CHANGE, side):
        scoping.require(actor, scoping.CHANGE, side)
        return
    if WrittenReport.objects.visible_to(actor).filter(pk=report.pk).exists():
        raise PermissionDenied(message)
    raise Http404(_("No such report."))


def require_reporter(actor: User, report: WrittenReport) -> None:
    """Editing and submitting belong to the reporting organisation."""
    _require_side(
        actor,
        report,
        report.organization,
        _("Only %(org)s edits and submits this report.") % {"org": report.organization},
    )


def require_recipient(actor: User, report: WrittenReport) -> None:
    """Acceptance and return belong to the recipient organisation."""
    _require_side(
        actor,
        report,
        report.recipient,
        _("Only %(org)s accepts or returns this report.") % {"org": report.recipient},
    )


def _as_decimal(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(value).quantize(Decimal("0.01"))


def _snapshot(report: WrittenReport) -> None:
    """Replace the report's figure rows by the figures of its organisation and year."""
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):  # the report is a Chinese document
        rows = [
            WrittenReportFigure(
                report=report,
                position=position,
                key=fv.key,
                label=str(fv.figure.label)[:200],
                unit=fv.figure.unit[:16],
                value=_as_decimal(fv.value),
                denominator=_as_decimal(fv.denominator),
                formula=str(fv.figure.formula),
                records_url=(fv.url or "")[:500],
                computed_at=now,
            )
            for position, fv in enumerate(figures.values_of(report.organization, report.year))
        ]
    WrittenReportFigure.objects.filter(report=report).delete()
    WrittenReportFigure.objects.bulk_create(rows)
    report.figures_computed_at = now


@transaction.atomic
def report_start(*, actor: User, organization: Organization, year: int) -> WrittenReport:
    """Start the report of `organization` for `year`, with the figures of that year."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    scoping.require(actor, scoping.CHANGE, organization)
    if not must_report(organization):
        raise ValidationError(
            {
                "organization": _(
                    "%(org)s does not write an annual report: local committees of a province, "
                    "city or county and department party groups or committees do."
                )
                % {"org": organization}
            }
        )
    on = today()
    if year is None or year < FIRST_YEAR or year > on.year:
        raise ValidationError(
            {
                "year": _("Choose a year from %(first)s to %(last)s.")
                % {"first": FIRST_YEAR, "last": on.year}
            }
        )
    recipient = recipient_of(organization)
    if recipient is None:
        raise ValidationError(
            {
                "organization": _("%(org)s has no party committee above it to report to.")
                % {"org": organization}
            }
        )
    if WrittenReport.objects.filter(organization=organization, year=year).exists():
        raise ValidationError(
            {
                "year": _("%(org)s already has a report for %(year)s.")
                % {"org": organization, "year": year}
            }
        )
    with _audit(actor, "written_reports.start"):
        report = WrittenReport.objects.create(
            organization=organization,
            recipient=recipient,
            year=year,
            created_by=actor,
            figures_computed_at=timezone.now(),
        )
        _snapshot(report)
        report.save(update_fields=["figures_computed_at"])
    return report


SECTIONS = ("achievements", "problems", "plans", "plenary_on", "plenary_note")
PLENARY_TYPES = (files.PDF, files.JPEG, files.PNG, files.WEBP)


def _store_plenary_file(report: WrittenReport, uploaded_file) -> str:
    """Check the upload by its bytes and store it; returns the replaced file's name."""
    name, size, found = files.checked_upload(
        uploaded_file, field="plenary_file", types=PLENARY_TYPES
    )
    old = report.plenary_file.name if report.plenary_file else ""
    report.plenary_token = secrets.token_hex(16)
    report.plenary_extension = found.extension
    report.plenary_file_name = name
    report.plenary_content_type = found.content_type
    report.plenary_size = size
    report.plenary_file.save(report.plenary_token + found.extension, uploaded_file, save=False)
    return old


@transaction.atomic
def report_update(
    *, actor: User, report: WrittenReport, plenary_file=None, **changes
) -> WrittenReport:
    """Save the sections of a draft or returned report (any subset of SECTIONS), and
    optionally the plenary attachment (PDF or image; replaces the previous one)."""
    report = _lock(report)
    require_reporter(actor, report)
    if report.status not in EDITABLE:
        raise _status_error(report, EDITABLE)
    unknown = set(changes) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    for name, value in changes.items():
        if name == "plenary_on":
            if value is not None and (
                value.year not in (report.year, report.year + 1) or value > today()
            ):
                raise ValidationError(
                    {
                        "plenary_on": _(
                            "The plenary session is in %(year)s or the year after, "
                            "and not in the future."
                        )
                        % {"year": report.year}
                    }
                )
        else:
            value = (value or "").strip()
        setattr(report, name, value)
    old = _store_plenary_file(report, plenary_file) if plenary_file else ""
    try:
        with _audit(actor, "written_reports.update"), transaction.atomic():
            report.save()
    except Exception:
        if plenary_file and report.plenary_file:
            report.plenary_file.storage.delete(report.plenary_file.name)
        raise
    if old:
        storage = report.plenary_file.storage
        transaction.on_commit(lambda: storage.delete(old))
    return report


@transaction.atomic
def report_recompute(*, actor: User, report: WrittenReport) -> WrittenReport:
    """Compute the figures again; only while the report is a draft or returned."""
    report = _lock(report)
    require_reporter(actor, report)
    if report.status not in EDITABLE:
        raise _status_error(report, EDITABLE)
    with _audit(actor, "written_reports.recompute"):
        _snapshot(report)
        report.save(update_fields=["figures_computed_at"])
    return report


@transaction.atomic
def report_submit(*, actor: User, report: WrittenReport) -> WrittenReport:
    """Submit (or resubmit) the report to the recipient; the figures are frozen."""
    report = _lock(report)
    require_reporter(actor, report)
    if report.status not in EDITABLE:
        raise _status_error(report, EDITABLE)
    on = today()
    if on < opens_on(report.year):
        raise ValidationError(
            {
                "year": _("The report for %(year)s may be submitted from %(day)s.")
                % {"year": report.year, "day": opens_on(report.year)}
            }
        )
    missing = {
        name: _("Write this section before submitting.")
        for name in ("achievements", "problems", "plans")
        if not getattr(report, name).strip()
    }
    if missing:
        raise ValidationError(missing)
    now = timezone.now()
    report.status = (
        WrittenReportStatus.RESUBMITTED
        if report.status == WrittenReportStatus.RETURNED
        else WrittenReportStatus.SUBMITTED
    )
    report.submitted_by = actor
    report.submitted_at = now
    report.first_submitted_at = report.first_submitted_at or now
    with _audit(actor, "written_reports.submit"):
        report.save()
    Reminder.objects.filter(
        key=reminder_key(report.organization_id, report.year), resolved_at__isnull=True
    ).update(resolved_at=now)
    return report


@transaction.atomic
def report_return(*, actor: User, report: WrittenReport, note: str) -> WrittenReport:
    """The recipient returns the report for revision, saying why."""
    report = _lock(report)
    require_recipient(actor, report)
    if report.status not in AWAITING:
        raise _status_error(report, AWAITING)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what must be revised.")})
    report.status = WrittenReportStatus.RETURNED
    report.returned_by = actor
    report.returned_at = timezone.now()
    report.return_note = note
    with _audit(actor, "written_reports.return", note=note):
        report.save()
    return report


@transaction.atomic
def report_accept(*, actor: User, report: WrittenReport, note: str = "") -> WrittenReport:
    """The recipient accepts the report; the person who submitted it may not."""
    report = _lock(report)
    require_recipient(actor, report)
    if report.status not in AWAITING:
        raise _status_error(report, AWAITING)
    if report.submitted_by_id == actor.pk:
        raise PermissionDenied(_("The person who submitted the report cannot accept it."))
    report.status = WrittenReportStatus.ACCEPTED
    report.accepted_by = actor
    report.accepted_at = timezone.now()
    report.accept_note = (note or "").strip()
    with _audit(actor, "written_reports.accept", note=report.accept_note):
        report.save()
    return report
