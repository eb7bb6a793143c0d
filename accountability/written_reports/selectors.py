"""Reads of annual written reports, all through `visible_to`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization, OrgKind, User

from . import services
from .models import WrittenReport, WrittenReportFigure
from .services import DEPARTMENT_KINDS, REPORTING_LEVELS, due_on

ACTION_TITLES = {
    "written_reports.start": _("Report started"),
    "written_reports.update": _("Sections saved"),
    "written_reports.recompute": _("Figures recomputed"),
    "written_reports.submit": _("Submitted"),
    "written_reports.return": _("Returned for revision"),
    "written_reports.accept": _("Accepted"),
}

NOT_STARTED = "not_started"


def reporting_q() -> Q:
    return Q(kind=OrgKind.LOCAL_COMMITTEE, level__in=REPORTING_LEVELS) | Q(
        kind__in=DEPARTMENT_KINDS
    )


def reports_of(user, organization: Organization):
    """The organisation's own reports, newest year first."""
    return (
        WrittenReport.objects.visible_to(user)
        .filter(organization=organization)
        .select_related("recipient")
        .order_by("-year")
    )


def report_queryset(user):
    """Reports the user may see, with the people of each step."""
    return WrittenReport.objects.visible_to(user).select_related(
        "organization",
        "recipient",
        "created_by",
        "submitted_by",
        "returned_by",
        "accepted_by",
    )


def figures_of(report: WrittenReport):
    return WrittenReportFigure.objects.filter(report=report).order_by("position", "pk")


def reporting_children(recipient: Organization, year: int, user=None) -> list[Organization]:
    """The organisations that report to `recipient` for `year`: local committees of a
    province/city/county and department groups/committees below it, alive at the
    end of the year, with no local committee between them and `recipient` (those
    `user` may see, when given). Two queries."""
    end = date(year, 12, 31)
    below = Organization.objects.filter(
        path__descendant_of=recipient.path, depth__gt=recipient.depth
    ).alive(on=end)
    if user is not None:
        below = below & Organization.objects.visible_to(user)
    committees = set(below.filter(kind=OrgKind.LOCAL_COMMITTEE).values_list("pk", flat=True))
    candidates = (
        below.filter(reporting_q())
        .filter(Q(established__isnull=True) | Q(established__lte=end))
        .order_by("path")
    )
    return [
        org
        for org in candidates
        # No local committee strictly between the recipient and the organisation.
        if not committees.intersection(org.ancestor_ids[recipient.depth + 1 :])
    ]


@dataclass
class ReceivedRow:
    organization: Organization
    report: WrittenReport | None
    status: str  # a WrittenReportStatus value or NOT_STARTED
    status_label: str
    late: bool  # not submitted, past the deadline
    submitted_late: bool  # first submitted after the deadline


def received(user, recipient: Organization, year: int, on: date | None = None):
    """Every organisation that reports to `recipient` for `year`, with its report's
    status and whether it is late; plus counts by status. Three queries."""
    today = on or services.today()
    deadline = due_on(year)
    children = reporting_children(recipient, year, user)
    reports = {
        r.organization_id: r
        for r in WrittenReport.objects.visible_to(user)
        .filter(recipient=recipient, year=year)
        .select_related("organization")
    }
    orgs = {org.pk: org for org in children}
    for org_id, report in reports.items():  # reports sent before the tree changed
        orgs.setdefault(org_id, report.organization)
    rows = []
    counts = {NOT_STARTED: 0, "draft": 0, "submitted": 0, "returned": 0, "accepted": 0, "late": 0}
    for org in sorted(orgs.values(), key=lambda o: o.path):
        report = reports.get(org.pk)
        status = report.status if report else NOT_STARTED
        label = report.get_status_display() if report else _("Not started")
        late = status in (NOT_STARTED, "draft") and today > deadline
        submitted_late = bool(
            report
            and report.first_submitted_at
            and timezone.localtime(report.first_submitted_at).date() > deadline
        )
        counts["submitted" if status == "resubmitted" else status] += 1
        counts["late"] += late
        rows.append(ReceivedRow(org, report, status, label, late, submitted_late))
    return rows, counts


def timeline(report: WrittenReport) -> list[dict]:
    """The report's steps from its audit trail (pghistory), oldest first. Two queries."""
    events = list(report.events.order_by("pgh_created_at", "pgh_id").select_related("pgh_context"))
    user_ids = {(e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context_id}
    user_ids.discard(None)
    names = dict(User.objects.filter(pk__in=user_ids).values_list("pk", "name")) if user_ids else {}
    rows = []
    for e in events:
        meta = (e.pgh_context.metadata if e.pgh_context_id else None) or {}
        action = meta.get("action", "")
        title = ACTION_TITLES.get(action)
        if title is None:
            continue
        if rows and rows[-1]["action"] == action and action == "written_reports.start":
            continue  # the figures' timestamp written right after the start
        rows.append(
            {
                "action": action,
                "at": e.pgh_created_at,
                "title": title,
                "by": names.get(meta.get("user"), ""),
                "note": meta.get("note", ""),
                "status": e.get_status_display(),
            }
        )
    return rows


def is_late(report: WrittenReport | None, year: int, on: date | None = None) -> bool:
    status = report.status if report else NOT_STARTED
    return status in (NOT_STARTED, "draft") and (on or services.today()) > due_on(year)
