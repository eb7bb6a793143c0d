"""Writes of year-end reports: keyword-only, atomic, access checked inside the
transaction, under a pghistory context naming the actor."""

from __future__ import annotations

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from branches import scoping
from branches.models import Organization
from config import outbox
from dashboards.selectors import may_view

from .models import ReportStatus, YearEndReport
from .selectors import FIRST_YEAR


def _audit(actor, action: str, **metadata):
    return pghistory.context(user=actor.pk if actor else None, action=action, **metadata)


def check_year(year) -> int:
    last = timezone.localdate().year
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    if year is None or not FIRST_YEAR <= year <= last:
        raise ValidationError(
            {
                "year": _("Choose a year between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": last}
            }
        )
    return year


@transaction.atomic
def year_end_report_request(*, actor, organization: Organization, year) -> YearEndReport:
    """Create the organisation's report for `year`, or ask for it again (a new
    generation), and queue its build once the transaction commits."""
    scoping.require(actor, scoping.VIEW, organization)
    if not may_view(actor, organization):
        raise Http404(_("No such organisation."))
    year = check_year(year)
    now = timezone.now()
    with _audit(actor, "year_end_report_request", year=year):
        report, created = YearEndReport.objects.get_or_create(
            organization=organization,
            year=year,
            defaults={"requested_by": actor, "requested_at": now},
        )
        if not created:
            report = YearEndReport.objects.select_for_update().get(pk=report.pk)
            report.generation += 1
            report.status = ReportStatus.QUEUED
            report.progress = 0
            report.step = ""
            report.error = ""
            report.requested_by = actor
            report.requested_at = now
            report.started_at = None
            report.finished_at = None
            report.save(
                update_fields=[
                    "generation",
                    "status",
                    "progress",
                    "step",
                    "error",
                    "requested_by",
                    "requested_at",
                    "started_at",
                    "finished_at",
                ]
            )
    from .tasks import build_year_end_report

    pk, generation = report.pk, report.generation
    # robust: a broker that is down leaves the report queued; asking again re-queues it.
    outbox.on_commit(build_year_end_report, pk, generation)
    return report
