"""COMMITMENT_MISSING reminders from 1 April: one per branch and year, idempotent."""

import datetime

import pytest
from django.utils import timezone

from branches.models import Reminder
from outreach import services_commitments as services
from outreach.tasks_commitments import (
    commitment_missing_cycle,
    run_commitment_cycles,
    run_province_commitments,
)

from .walk_commitments import commitments_world

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture
def w():
    return commitments_world()


def test_the_reminder_cycle(w, django_capture_on_commit_callbacks):
    province = w["a"]["province"].pk
    assert commitment_missing_cycle(province, datetime.date(YEAR, 3, 31)) is None
    assert not Reminder.objects.exists()
    day = datetime.date(YEAR, 4, 1)
    outcome = commitment_missing_cycle(province, day)
    assert outcome["reminders"] == 1 and outcome["members"] == 4
    reminder = Reminder.objects.get()
    assert reminder.organization == w["a"]["branch1"] and reminder.kind == "commitment_missing"
    assert "4" in reminder.detail
    assert commitment_missing_cycle(province, day) is None  # the same day again
    services.commitment_create(
        actor=w["secretary"],
        member=w["member"],
        content="实事",
        target_date=datetime.date(YEAR, 12, 1),
        submit=True,  # a draft kept to oneself does not count
    )
    outcome = commitment_missing_cycle(province, datetime.date(YEAR, 4, 2))
    assert outcome["reminders"] == 0
    assert Reminder.objects.count() == 1 and "3" in Reminder.objects.get().detail
    for m in w["others"]:
        services.commitment_create(
            actor=w["secretary"],
            member=m,
            content="实事",
            target_date=datetime.date(YEAR, 12, 1),
            submit=True,
        )
    commitment_missing_cycle(province, datetime.date(YEAR, 4, 3))
    assert Reminder.objects.get().resolved_at is not None
    # The fan-out enqueues one task per province.
    with django_capture_on_commit_callbacks() as callbacks:
        result = run_commitment_cycles.run(on=datetime.date(YEAR, 4, 4).isoformat())
    assert len(result["tasks"]) == 2 and len(callbacks) == 2
    assert run_province_commitments(w["b"]["province"].pk, f"{YEAR}-04-04")["reminders"] == 1
    assert run_province_commitments(w["b"]["province"].pk, f"{YEAR}-04-04") is None
