"""Late written reports get one reminder on the reporting organisation, once;
submission resolves it; running twice changes nothing."""

import datetime

import pytest

from accountability.written_reports import services, tasks
from branches.models import CycleRun, Reminder

from .conftest import YEAR, start

pytestmark = pytest.mark.django_db


def reminders(year=YEAR):
    return Reminder.objects.filter(kind=services.REMINDER_KIND, due_on=services.due_on(year))


def test_overdue_year():
    assert tasks.overdue_year(datetime.date(YEAR + 1, 1, 31)) == YEAR - 1
    assert tasks.overdue_year(datetime.date(YEAR + 1, 2, 1)) == YEAR


def test_overdue_reminders_are_idempotent_and_resolved_by_submission(world):
    a, b, u = world["a"], world["b"], world["u"]
    services.report_submit(actor=u["city"], report=start(world, world["group"], actor="city"))
    county = start(world)  # a draft is still late
    # On the deadline itself only the year before is late (no report at all: 8 of them).
    tasks.run_written_report_overdue(f"{YEAR + 1}-01-31")
    assert reminders().count() == 0 and reminders(YEAR - 1).count() == 8
    outcome = tasks.run_written_report_overdue(f"{YEAR + 1}-02-01")
    late = set(reminders().values_list("organization_id", flat=True))
    # Province a: the county (draft), the second county, the city; not the group
    # (submitted), not the township or branches (they do not report). Province b too.
    assert late == {
        a["county"].pk,
        world["county2"].pk,
        a["city"].pk,
        a["province"].pk,
        b["county"].pk,
        b["city"].pk,
        b["province"].pk,
    }
    assert all(r.key == services.reminder_key(r.organization_id, YEAR) for r in reminders())
    assert sum(p["reminders"] for p in outcome["provinces"].values()) == 7
    # The same day again: nothing (CycleRun); another day: the keys stop duplicates.
    assert tasks.run_written_report_overdue(f"{YEAR + 1}-02-01")["provinces"] == {}
    again = tasks.run_written_report_overdue(f"{YEAR + 1}-02-02")
    assert sum(p["reminders"] for p in again["provinces"].values()) == 0
    assert reminders().count() == 7
    assert CycleRun.objects.filter(cycle=tasks.CYCLE).count() == 3 * 2
    services.report_submit(actor=u["county"], report=county)
    assert reminders().get(organization=a["county"]).resolved_at is not None
    assert reminders().filter(resolved_at__isnull=True).count() == 6
