"""Late annual written reports (document 4, 四), flagged daily.

Daily (beat: `accountability.written_reports.tasks.run_written_report_overdue`),
for the most recent year whose deadline (services.due_on) has passed: every
organisation that must report (local committees of a province, city or
county, department party groups/committees) with a committee above it,
alive at the end of the year, and without a submitted report gets one
reminder on itself, keyed by (organisation, year). Submission resolves it.
One CycleRun per (day, province): running a day twice changes nothing, and
the reminder keys make a re-run on another day a no-op as well.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils.translation import gettext as _

CYCLE = "written_report_overdue"


def overdue_year(on: date) -> int:
    """The latest year whose report is past its deadline on `on`."""
    from .services import due_on

    return on.year - 1 if on > due_on(on.year - 1) else on.year - 2


def flag_overdue(province_id: int, on: date) -> dict:
    """Raise the reminders of one province for the latest year past its deadline."""
    from django.db.models import Q

    from branches.models import Organization, OrgKind, Reminder
    from education.cycles import _raise_reminders

    from .models import WrittenReport
    from .selectors import reporting_q
    from .services import REMINDER_KIND, due_on, reminder_key

    year = overdue_year(on)
    end = date(year, 12, 31)
    submitted = WrittenReport.objects.filter(year=year, first_submitted_at__isnull=False)
    orgs = list(
        Organization.objects.filter(province_id=province_id)
        .filter(reporting_q())
        .alive(on=end)
        .filter(Q(established__isnull=True) | Q(established__lte=end))
        .exclude(pk__in=submitted.values("organization_id"))
        .only("pk", "name", "path")
    )
    # Only organisations with a local committee above them report.
    ancestor_ids = {pk for org in orgs for pk in org.ancestor_ids}
    committees = set(
        Organization.objects.filter(pk__in=ancestor_ids, kind=OrgKind.LOCAL_COMMITTEE).values_list(
            "pk", flat=True
        )
    )
    late = [org for org in orgs if committees.intersection(org.ancestor_ids)]
    deadline = due_on(year)
    raised = _raise_reminders(
        [
            Reminder(
                organization_id=org.pk,
                kind=REMINDER_KIND,
                due_on=deadline,
                key=reminder_key(org.pk, year),
                detail=(
                    _("The annual written report of %(org)s for %(year)s was due on %(day)s.")
                    % {"org": org.name, "year": year, "day": deadline}
                )[:300],
            )
            for org in late
        ]
    )
    return {"year": year, "late": len(late), "reminders": raised}


@shared_task(acks_late=True)
def run_written_report_overdue(on: str | None = None) -> dict:
    """Daily: flag the late written reports of every province (once a day each)."""
    from education.cycles import _unit, provinces

    from . import services

    day = date.fromisoformat(on) if on else services.today()
    outcome = {}
    for province_id in provinces():
        result = _unit(
            CYCLE, day.isoformat(), province_id, lambda pk=province_id: flag_overdue(pk, day)
        )
        if result is not None:
            outcome[province_id] = result
    return {"on": day.isoformat(), "provinces": outcome}
