"""Roll-ups (dashboards.rollups): after every kind of change the stored totals
equal a direct count of the raw rows at every level of the tree; the nightly
reconciliation finds and fixes a difference and records it; both are safe to
run twice."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.utils import timezone

from accountability import figures
from accountability.models import RectificationOrder
from branches.models import CycleRun, Organization, OrgKind, OrgLevel, Role
from config.celery import app
from dashboards import changes, metrics, rollups, selectors, tasks
from dashboards.models import ReconcileRun, Rollup
from education import services as education_services
from education.models import Activity, Attendance, YearlyTotal
from members import services as member_services
from members.models import Member
from mobility import services as mobility_services
from outreach.models import Case, Commitment
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
_numbers = itertools.count(1)


@pytest.fixture
def eager(monkeypatch, world, django_capture_on_commit_callbacks):
    """From a recount of the world on, run the refresh tasks in this process
    as a worker would, when the changes made under `with eager():` commit."""
    monkeypatch.setattr(changes, "cache", LocMemCache("rollups-test", {}))
    monkeypatch.setattr(tasks, "cache", changes.cache)
    recount(world)
    app.conf.task_always_eager = True
    yield lambda: django_capture_on_commit_callbacks(execute=True)
    app.conf.task_always_eager = False


def recount(world):
    for province in (world["a"]["province"], world["b"]["province"]):
        rollups.reconcile(province.pk, YEAR)


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("川", parent=root)
    b = province_tree("浙", parent=root)
    county2 = OrganizationFactory(
        name="川二县", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    branch3 = OrganizationFactory(name="川二县支部", parent=county2, kind=OrgKind.BRANCH)
    staff = UserFactory(username="rollup_staff")
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=a["province"])
    return {"root": root, "a": a, "b": b, "county2": county2, "branch3": branch3, "staff": staff}


def levels(world):
    a = world["a"]
    return [
        world["root"],
        a["province"],
        a["city"],
        a["county"],
        a["township"],
        a["branch1"],
        a["branch2"],
        world["county2"],
        world["branch3"],
        world["b"]["province"],
    ]


def stored(org, year=YEAR):
    return selectors.figures(org, year)


def direct(org, year=YEAR):
    """The same metrics counted from the raw rows: the figures where one exists,
    else a plain count."""
    result = {}
    for key, metric in metrics.METRICS.items():
        if metric.figure:
            result[key] = figures.value_of(metric.figure, org, year).value
    members = Member.objects.current().filter(branch__path__descendant_of=org.path)
    result["members_full"] = members.filter(status="full").count()
    result["members_probationary"] = members.filter(status="probationary").count()
    result["cases_open"] = Case.objects.filter(
        organization__path__descendant_of=org.path, status="open"
    ).count()
    result["rectifications_open"] = (
        RectificationOrder.objects.filter(organization__path__descendant_of=org.path)
        .exclude(status__in=["accepted", "cancelled"])
        .count()
    )
    return result


def assert_equal_everywhere(world, year=YEAR):
    for org in levels(world):
        want = direct(org, year)
        have = stored(org, year)
        assert {k: have[k] for k in want} == want, org.name


def attendance_direct(org, year=YEAR):
    rows = Attendance.objects.filter(
        activity__organization__path__descendant_of=org.path, activity__starts_at__year=year
    )
    return rows.count(), rows.filter(status__in=["present", "delivered"]).count()


def _activity(staff, branch, when, hours="2"):
    return education_services.activity_create(
        actor=staff,
        organization=branch,
        kind="branch_assembly",
        title="支部党员大会",
        starts_at=when,
        hours=Decimal(hours),
    )


def _members(world):
    a = world["a"]
    members = [MemberFactory(branch=a["branch1"]) for _ in range(3)]
    members += [MemberFactory(branch=a["branch2"], status="probationary") for _ in range(2)]
    members += [MemberFactory(branch=world["branch3"])]
    members += [MemberFactory(branch=world["b"]["branch1"])]
    return members


def test_reconcile_equals_direct_counts_at_every_level(world):
    a, staff = world["a"], world["staff"]
    _members(world)
    Commitment.objects.create(
        member=MemberFactory(branch=a["branch1"]),
        branch=a["branch1"],
        year=YEAR,
        content="为群众办实事",
        target_date=datetime.date(YEAR, 12, 1),
        status="done",
        completed_on=datetime.date(YEAR, 1, 1),
        created_by=staff,
    )
    Case.objects.create(
        organization=a["township"],
        channel="hotline",
        received_on=TODAY - datetime.timedelta(days=20),
        requester_name="王大妈",
        request="小区路灯坏了",
        handler=staff,
        feedback_due=TODAY - datetime.timedelta(days=5),
        status="open",
        created_by=staff,
    )
    rollups.reconcile(world["a"]["province"].pk, YEAR)
    rollups.reconcile(world["b"]["province"].pk, YEAR)
    assert_equal_everywhere(world)
    assert stored(a["county"])["members"] == 6
    assert stored(a["city"])["members"] == 7  # + the other county
    assert stored(world["root"])["members"] == 8  # + the other province
    assert stored(a["branch2"])["members_probationary"] == 2


def test_attendance_edited(world, eager):
    a, staff = world["a"], world["staff"]
    when = timezone.make_aware(datetime.datetime(YEAR, 3, 5, 9, 0))
    with eager():
        members = _members(world)
        activity = _activity(staff, a["branch1"], when)
        education_services.attendance_save(actor=staff, activity=activity)
    march = Rollup.objects.get(organization=a["county"], year=YEAR, month=3).total
    assert march == {"activities": 1, "attendance_expected": 3, "attendance_present": 3}
    # One member marked absent: the month's attendance and the hours change everywhere.
    with eager():
        education_services.attendance_save(
            actor=staff,
            activity=activity,
            exceptions={members[0].pk: {"status": "absent", "reason": "", "hours": Decimal(0)}},
        )
    march = Rollup.objects.get(organization=a["province"], year=YEAR, month=3).total
    assert (march["attendance_expected"], march["attendance_present"]) == (3, 2)
    assert attendance_direct(a["province"]) == (3, 2)
    assert YearlyTotal.objects.get(member=members[0], year=YEAR).hours == 0
    assert_equal_everywhere(world)
    months = selectors.dashboard(staff, a["county"], YEAR).months
    assert months[2].activities == 1 and months[2].attendance_rate == Decimal("66.7")


def test_member_transferred(world, eager):
    a, staff = world["a"], world["staff"]
    with eager():
        members = _members(world)
    with eager():
        transfer = member_services.transfer_request(
            actor=staff, member=members[0], to_branch=world["branch3"]
        )
        member_services.transfer_accept(actor=staff, transfer=transfer)
    assert Member.objects.get(pk=members[0].pk).branch_id == world["branch3"].pk
    assert stored(a["branch1"])["members"] == 2
    assert stored(a["county"])["members"] == 4
    assert stored(world["county2"])["members"] == 2
    assert stored(a["city"])["members"] == 6  # unchanged: both counties are in the city
    assert_equal_everywhere(world)


def test_episode_closed(world, eager):
    a, staff = world["a"], world["staff"]
    with eager():
        members = _members(world)
        episode = mobility_services.episode_create(
            actor=staff,
            member=members[0],
            reason="employment",
            destination_region="浙江省杭州市",
            contact="13800000000",
            reported_on=TODAY - datetime.timedelta(days=30),
            started_on=TODAY - datetime.timedelta(days=30),
        )
    assert stored(a["county"])["mobile_away"] == 1
    assert stored(world["root"])["mobile_away"] == 1
    with eager():
        mobility_services.episode_return(actor=staff, episode=episode, returned_on=TODAY)
    assert stored(a["county"])["mobile_away"] == 0
    assert stored(a["county"])["mobile_returned"] == 1
    assert_equal_everywhere(world)


def test_member_left_and_order_issued(world, eager):
    a, staff = world["a"], world["staff"]
    with eager():
        members = _members(world)
    with eager():
        member = Member.objects.get(pk=members[3].pk)
        member.left_on = TODAY
        member.left_reason = "death"
        member.save()
        RectificationOrder.objects.create(
            organization=a["branch2"],
            issued_by_org=a["county"],
            source_kind="inspection",
            problem="“三会一课”记录不全",
            required="补全记录",
            issued_on=TODAY,
            deadline=TODAY + datetime.timedelta(days=30),
            status="issued",
            created_by=staff,
        )
    assert stored(a["branch2"])["members"] == 1
    assert stored(a["county"])["rectifications_open"] == 1
    assert_equal_everywhere(world)


def test_reconciliation_finds_and_fixes_an_injected_difference(world):
    a = world["a"]
    _members(world)
    first = rollups.reconcile(a["province"].pk, YEAR)
    assert first.fixed > 0  # nothing was stored yet
    row = Rollup.objects.get(organization=a["county"], year=YEAR, month=0)
    row.total = {**row.total, "members": 999}
    row.save()
    result = rollups.reconcile(a["province"].pk, YEAR)
    assert result.fixed == 1
    assert result.differences == [
        {
            "organization": a["county"].pk,
            "month": 0,
            "key": "members",
            "stored": 999,
            "computed": 5,
        }
    ]
    run = ReconcileRun.objects.filter(province=a["province"], year=YEAR).first()
    assert (run.fixed, run.differences[0]["stored"]) == (1, 999)
    assert stored(a["county"])["members"] == 5
    # A row that should not exist (an organisation with nothing counted) goes too.
    Rollup.objects.create(
        organization=a["township"],
        year=YEAR,
        month=7,
        own={"activities": 3},
        total={"activities": 3},
        computed_at=timezone.now(),
    )
    assert rollups.reconcile(a["province"].pk, YEAR).fixed == 1
    assert not Rollup.objects.filter(organization=a["township"], year=YEAR, month=7).exists()
    assert rollups.reconcile(a["province"].pk, YEAR).fixed == 0


def test_refresh_and_reconcile_agree_and_are_idempotent(world):
    a = world["a"]
    _members(world)
    # Every organisation refreshed, the deepest first (as changes would).
    for org in Organization.objects.filter(path__descendant_of=a["province"].path).order_by(
        "-depth"
    ):
        assert rollups.refresh(org.pk, YEAR) == org.depth + 1  # it and each ancestor
        rollups.refresh(org.pk, YEAR)
    before = sorted(Rollup.objects.filter(year=YEAR).values_list("organization", "month", "total"))
    assert rollups.reconcile(a["province"].pk, YEAR).fixed == 0
    after = sorted(Rollup.objects.filter(year=YEAR).values_list("organization", "month", "total"))
    assert before == after


def test_nightly_reconciliation_runs_once_per_province_and_day(world, eager):
    a = world["a"]
    _members(world)  # not yet counted: the nightly run finds them
    with eager():
        tasks.reconcile_province(a["province"].pk, TODAY.isoformat())
    with eager():
        assert tasks.reconcile_province(a["province"].pk, TODAY.isoformat()) is None
    run = CycleRun.objects.get(cycle="rollup_reconcile", organization=a["province"])
    assert run.outcome == {"queued": [YEAR, YEAR - 1, YEAR - 2]}
    runs = ReconcileRun.objects.filter(province=a["province"], finished_at__gte=run.started_at)
    assert sorted(runs.values_list("year", flat=True)) == [YEAR - 2, YEAR - 1, YEAR]
    assert runs.get(year=YEAR).fixed > 0
    assert stored(a["county"])["members"] == 5


def test_a_changed_policy_recounts_the_province(world, eager):
    from tests.factories import PolicyOverrideFactory

    a = world["a"]
    with eager():
        member = MemberFactory(branch=a["branch1"], employer_sector="rural")
        YearlyTotal.objects.create(member=member, year=YEAR, hours=Decimal(40))
    recount(world)
    assert stored(a["county"])["education_met"] == 0  # 6 days × 8 hours = 48 needed
    with eager():
        PolicyOverrideFactory(organization=a["province"], key="education_hours_per_day", value="6")
    # 6 days × 6 hours = 36: met, counted by the reconciliation the policy change queued
    assert stored(a["county"])["education_met"] == 1


def test_activities_count_in_their_month(world, eager):
    a, staff = world["a"], world["staff"]
    with eager():
        _members(world)
        for month in (1, 1, 6):
            when = timezone.make_aware(datetime.datetime(YEAR, month, 10, 9, 0))
            _activity(staff, a["branch2"], when)
    with eager():
        Activity.objects.filter(organization=a["branch2"], starts_at__month=6).delete()
    by_month = dict(
        Rollup.objects.filter(organization=a["province"], year=YEAR, month__gt=0).values_list(
            "month", "total"
        )
    )
    assert by_month == {1: {"activities": 2}}
    assert stored(a["province"])["members"] == 6


# --- writers that bypass model signals (found in review) ----------------------------


def assert_all_keys_equal(world):
    """Every stored key, including those without a dashboard card, equals a
    fresh recount of the raw rows."""
    for org in levels(world):
        have = Rollup.objects.filter(organization=org, year=YEAR, month=0).first()
        own = rollups.compute_own(org, YEAR)
        want = {}
        for (_org_id, month), values in own.items():
            if month == 0:
                for key, value in values.items():
                    want[key] = want.get(key, 0) + value
        assert (have.total if have else {}) == {k: v for k, v in sorted(want.items()) if v}, org


def test_a_cleared_flag(world, eager):
    a, staff = world["a"], world["staff"]
    with eager():
        member = MemberFactory(branch=a["branch1"], employer_sector="rural")
    with eager():
        member_services.member_set_flag(actor=staff, member=member, kind="aged_infirm")
    assert stored(a["county"])["education_met"] == 1  # handled individually: compliant
    with eager():
        member_services.member_clear_flag(actor=staff, member=member, kind="aged_infirm")
    assert stored(a["county"])["education_met"] == 0
    assert_equal_everywhere(world)


def test_reviews_opened_in_bulk(world, eager):
    a = world["a"]
    with eager():
        education_services.campaigns_open(
            kind="democratic_review", year=YEAR, branch_ids=[a["branch1"].pk, a["branch2"].pk]
        )
    assert stored(a["province"])["reviews_closed"] == 0
    row = Rollup.objects.get(organization=a["province"], year=YEAR, month=0).total
    assert row["reviews_held"] == 2
    assert_all_keys_equal(world)


def test_a_guest_removed(world, eager):
    a, staff = world["a"], world["staff"]
    when = timezone.make_aware(datetime.datetime(YEAR, 3, 5, 9, 0))
    with eager():
        members = _members(world)
        guest = members[5]  # of the other county
        activity = _activity(staff, a["branch1"], when)
        education_services.attendance_save(actor=staff, activity=activity, guests={guest.pk: {}})
    march = Rollup.objects.get(organization=a["branch1"], year=YEAR, month=3).total
    assert march["attendance_expected"] == 4
    with eager():
        education_services.guest_remove(actor=staff, activity=activity, member=guest)
    march = Rollup.objects.get(organization=a["branch1"], year=YEAR, month=3).total
    assert march["attendance_expected"] == attendance_direct(a["branch1"])[0] == 3
    assert_equal_everywhere(world)


def test_a_county_moved_to_another_province(world, eager):
    from branches import services as branch_services
    from tests.factories import ActorFactory, PolicyOverrideFactory

    a, b = world["a"], world["b"]
    PolicyOverrideFactory(organization=a["province"], key="education_hours_per_day", value="6")
    member = MemberFactory(branch=a["branch1"], employer_sector="rural")
    YearlyTotal.objects.create(member=member, year=YEAR, hours=Decimal(40))
    recount(world)
    assert stored(a["county"])["education_met"] == 1  # 6 days × 6 hours in 川
    with eager():
        branch_services.organization_move(
            actor=ActorFactory(is_superuser=True), organization=a["county"], new_parent=b["city"]
        )
    for org in [*a.values(), *b.values()]:
        org.refresh_from_db()
    assert stored(b["province"])["education_met"] == 0  # 6 days × 8 hours in 浙
    assert stored(a["province"])["members"] == 0
    assert_equal_everywhere(world)


def test_overdue_counts_follow_the_calendar(world, monkeypatch):
    a, staff = world["a"], world["staff"]
    metrics.sources()  # built once in a long-running worker
    Case.objects.create(
        organization=a["township"],
        channel="hotline",
        received_on=TODAY,
        requester_name="王大妈",
        request="小区路灯坏了",
        handler=staff,
        feedback_due=TODAY,
        status="open",
        created_by=staff,
    )
    rollups.reconcile(a["province"].pk, YEAR)
    assert stored(a["township"])["cases_overdue"] == 0
    later = TODAY + datetime.timedelta(days=3)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    assert rollups.reconcile(a["province"].pk, YEAR).fixed > 0
    assert stored(a["township"])["cases_overdue"] == 1


def test_a_central_policy_recounts_every_province(world, eager):
    from tests.factories import PolicyOverrideFactory

    with eager():
        PolicyOverrideFactory(organization=world["root"], key="education_hours_per_day", value="6")
    recounted = set(ReconcileRun.objects.values_list("province", flat=True))
    assert recounted == {world["a"]["province"].pk, world["b"]["province"].pk}


def test_a_refresh_costs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    a = world["a"]
    _members(world)
    recount(world)
    # own counts (one query a source) + a few per level up to the root
    with django_assert_max_num_queries(len(metrics.sources()) + 10 + 5 * (a["branch1"].depth + 1)):
        rollups.refresh(a["branch1"].pk, YEAR)
