"""The provincial spot-check is yearly (document 3, 四): from 1 September a
province that has drawn none this year is reminded, once; the draw resolves it."""

import datetime

import pytest

from accountability.inspections import services
from accountability.inspections.tasks import (
    run_province_spot_check,
    run_spot_check_cycles,
    spot_check_missing,
)
from branches.models import Reminder

from .conftest import define

pytestmark = pytest.mark.django_db


def test_a_province_without_a_drawn_check_is_reminded_from_1_september(spot):
    a, b = spot["a"]["province"], spot["b"]["province"]
    year = datetime.date.today().year
    assert spot_check_missing(a.pk, datetime.date(year, 8, 31))["reminders"] == 0
    assert spot_check_missing(a.pk, datetime.date(year, 9, 1))["reminders"] == 1
    assert spot_check_missing(a.pk, datetime.date(year, 9, 2))["reminders"] == 0  # once a year
    reminder = Reminder.objects.get(organization=a)
    assert reminder.kind == "spot_check_missing" and reminder.resolved_at is None
    # A check only defined does not count; the draw resolves the reminder at once.
    check = define(spot, year=year)
    assert spot_check_missing(a.pk, datetime.date(year, 9, 3))["drawn"] is False
    services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=7)
    reminder.refresh_from_db()
    assert reminder.resolved_at is not None
    assert spot_check_missing(a.pk, datetime.date(year, 9, 4)) == {
        "drawn": True,
        "reminders": 0,
        "resolved": 0,
    }
    # The other province is still reminded.
    spot_check_missing(b.pk, datetime.date(year, 9, 4))
    assert Reminder.objects.filter(organization=b, resolved_at__isnull=True).count() == 1


def test_the_daily_task_fans_out_and_runs_a_day_once(spot, django_capture_on_commit_callbacks):
    a = spot["a"]["province"]
    year = datetime.date.today().year
    with django_capture_on_commit_callbacks() as callbacks:
        result = run_spot_check_cycles.run(on=f"{year}-09-10")
    assert a.pk in result["tasks"] and len(callbacks) == len(result["tasks"])
    assert run_province_spot_check(a.pk, f"{year}-09-10")["reminders"] == 1
    assert run_province_spot_check(a.pk, f"{year}-09-10") is None
