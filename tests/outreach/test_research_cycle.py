"""RESEARCH_SHORT reminders: from 1 October, one per leader short of the year's
research days, keyed (leader, year); resolved once the leader catches up."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from branches.models import CycleRun, Reminder, Role
from outreach import services_research as services
from outreach.models import ResearchVisit
from outreach.tasks_research import run_province_research_short, run_research_cycles
from tests.factories import MemberFactory, RoleAssignmentFactory, UserFactory, province_tree

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1


@pytest.fixture
def world():
    a = province_tree("甲")
    staff = UserFactory()
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=a["province"])
    short = MemberFactory(branch=a["branch1"], full=True, leadership_level="county")
    met = MemberFactory(branch=a["branch2"], full=True, leadership_level="provincial")
    MemberFactory(branch=a["branch2"], full=True)  # no leader
    ResearchVisit.objects.create(
        leader=met,
        started_on=datetime.date(YEAR, 3, 1),
        days=Decimal(30),
        place="甲村",
        findings="x",
        recorded_by=staff,
    )
    return {"a": a, "staff": staff, "short": short, "met": met}


def test_reminders_from_october_once_per_leader_and_year(world):
    a, short = world["a"], world["short"]
    province = a["province"].pk
    assert services.research_short_cycle(province, datetime.date(YEAR, 9, 30)) is None
    assert not Reminder.objects.exists()
    outcome = services.research_short_cycle(province, datetime.date(YEAR, 10, 1))
    assert outcome == {"short": 1, "reminders": 1, "resolved": 0}
    reminder = Reminder.objects.get()
    assert (reminder.member_id, reminder.organization_id, reminder.kind) == (
        short.pk,
        short.branch_id,
        "research_short",
    )
    assert reminder.key == f"research_short:{short.pk}:{YEAR}"
    # The same day again: skipped; the next day: no second reminder.
    assert services.research_short_cycle(province, datetime.date(YEAR, 10, 1)) is None
    assert run_province_research_short(province, f"{YEAR}-10-02") == {
        "short": 1,
        "reminders": 0,
        "resolved": 0,
    }
    assert Reminder.objects.count() == 1
    assert CycleRun.objects.filter(cycle="research_short").count() == 2


def test_the_reminder_is_resolved_when_the_leader_catches_up(world):
    a, short, staff = world["a"], world["short"], world["staff"]
    services.research_short_cycle(a["province"].pk, datetime.date(YEAR, 10, 1))
    services.research_visit_create(
        actor=staff,
        leader=short,
        started_on=datetime.date(YEAR, 10, 5),
        days="30",
        place="乙村",
        findings="听取意见",
    )
    assert Reminder.objects.get().resolved_at is None  # 30 of 60 days
    services.research_visit_create(
        actor=staff,
        leader=short,
        started_on=datetime.date(YEAR, 11, 5),
        days="30",
        place="丙村",
        findings="听取意见",
    )
    assert Reminder.objects.get().resolved_at is not None
    outcome = services.research_short_cycle(a["province"].pk, datetime.date(YEAR, 11, 20))
    assert outcome == {"short": 0, "reminders": 0, "resolved": 0}


def test_the_daily_task_fans_out_per_province(world, django_capture_on_commit_callbacks):
    assert run_research_cycles(on=f"{YEAR}-06-01")["tasks"] == {}
    with django_capture_on_commit_callbacks() as callbacks:
        result = run_research_cycles(on=f"{YEAR}-10-03")
    assert list(result["tasks"]) == [world["a"]["province"].pk]
    assert len(callbacks) == 1
