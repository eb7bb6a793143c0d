"""The education review cycles (DESIGN.md, "Cycles"): keyed by (cycle, period,
organisation), so a second run of the same period changes nothing."""

import datetime
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.management import call_command

from branches.models import CycleRun, OrgKind, OrgLevel, Reminder, ReminderKind, Role
from config.celery import app as celery_app
from education import cycles, services
from education.models import Campaign, CampaignStatus, PartySpiritSchedule, YearClosure
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    province_tree,
)

YEAR = 2026


def make_world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    b = province_tree("乙", parent=root)
    staff = ActorFactory()
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=a["province"])
    return {"a": a, "b": b, "staff": staff, "root": root}


@pytest.fixture
def world(db):
    return make_world()


def counts():
    return (
        Campaign.objects.count(),
        CycleRun.objects.count(),
        Reminder.objects.count(),
        YearClosure.objects.count(),
    )


def test_running_the_yearly_cycle_twice_creates_nothing_new(world):
    a = world["a"]
    worker = MemberFactory(branch=a["branch1"], full=True, leadership_level="county")
    services.party_worker_save(
        actor=world["staff"],
        member=worker,
        organization=a["branch1"],
        post="secretary",
        since=datetime.date(2019, 1, 1),
    )
    on = datetime.date(YEAR, 10, 8)
    first = cycles.run_province(a["province"].pk, on)
    # township committee and both branches of 甲 get this year's democratic review
    assert first["democratic_review"] == {"organisations": 3, "opened": 3}
    assert first["party_school"]["overdue"] == 1
    assert first["leader_lecture"]["reminders"] == 1
    assert set(
        Campaign.objects.filter(year=YEAR).values_list("organization__province", flat=True)
    ) == {a["province"].pk}
    assert first["education_year_close"]["year"] == YEAR - 1
    before = counts()
    # campaigns, one run per cycle (review, year close, party school, lectures),
    # two reminders (party school, lecture), last year's closure
    assert before == (3, 4, 2, 1)

    second = cycles.run_province(a["province"].pk, on)
    assert counts() == before
    assert all(v is None or v == [] for k, v in second.items()), second


def test_the_year_close_waits_for_the_grace_days(world):
    a = world["a"]
    last = YEAR - 1
    services.campaigns_open(
        kind="democratic_review", year=last, branch_ids=[a["branch1"].pk, a["branch2"].pk]
    )
    MemberFactory(branch=a["branch1"], full=True, joined_on=datetime.date(2010, 1, 1))
    # 31 days of grace by default: the first closing day is 1 February.
    assert cycles.education_year_close(a["province"], datetime.date(YEAR, 1, 31)) is None
    assert not YearClosure.objects.exists()
    assert Campaign.objects.filter(status=CampaignStatus.OPEN).count() == 2

    outcome = cycles.education_year_close(a["province"], datetime.date(YEAR, 2, 1))
    assert outcome["campaigns_closed"] == 2 and outcome["incomplete"] == 2
    closure = YearClosure.objects.get()
    assert (closure.organization, closure.year, closure.closed_by) == (a["province"], last, None)
    assert not Campaign.objects.filter(status=CampaignStatus.OPEN).exists()
    reminders = Reminder.objects.filter(kind=ReminderKind.CAMPAIGN_INCOMPLETE)
    assert {r.organization_id for r in reminders} == {a["branch1"].pk, a["branch2"].pk}
    assert cycles.education_year_close(a["province"], datetime.date(YEAR, 2, 2)) is None
    assert YearClosure.objects.count() == 1


def test_a_province_may_lengthen_the_grace(world):
    a = world["a"]
    PolicyOverrideFactory(
        organization=a["province"], key="education_year_close_grace_days", value=45
    )
    assert cycles.education_year_close(a["province"], datetime.date(YEAR, 2, 14)) is None
    assert cycles.education_year_close(a["province"], datetime.date(YEAR, 2, 15)) is not None


def test_party_spirit_opens_only_the_scheduled_committees_subtree(world):
    a = world["a"]
    other_county = OrganizationFactory(
        parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    OrganizationFactory(parent=other_county, kind=OrgKind.BRANCH)
    schedule = PartySpiritSchedule.objects.create(
        committee=a["county"], year=YEAR, scheduled_by=world["staff"]
    )
    (outcome,) = cycles.party_spirit(a["province"], datetime.date(YEAR, 3, 1))
    assert outcome == {"schedule": schedule.pk, "organisations": 3, "opened": 3}
    assert set(
        Campaign.objects.filter(kind="party_spirit").values_list("organization", flat=True)
    ) == {a["township"].pk, a["branch1"].pk, a["branch2"].pk}
    assert cycles.party_spirit(a["province"], datetime.date(YEAR, 3, 2)) == []
    assert CycleRun.objects.get(cycle="party_spirit").organization == a["county"]


def test_the_command_runs_the_cycles_in_process(world, capsys):
    call_command("run_cycles", on=f"{YEAR}-01-02", sync=True)
    out = capsys.readouterr().out
    assert f"province {world['a']['province'].pk}" in out and '"opened": 3' in out
    call_command("run_cycles", on=f"{YEAR}-01-02", sync=True)
    assert "nothing due or already done" in capsys.readouterr().out
    assert Campaign.objects.count() == 6


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_fans_out_per_province_on_a_real_worker():
    from celery.result import AsyncResult

    from education.tasks import run_education_cycles

    world = make_world()
    queue = f"test-{uuid.uuid4().hex}"
    with start_worker(celery_app, perform_ping_check=False, queues=[queue], shutdown_timeout=10):
        fanned = run_education_cycles.apply_async((f"{YEAR}-01-02",), queue=queue).get(timeout=30)
        results = [AsyncResult(t).get(timeout=60) for t in fanned["tasks"].values()]
        again = run_education_cycles.apply_async((f"{YEAR}-01-02",), queue=queue).get(timeout=30)
        [AsyncResult(t).get(timeout=60) for t in again["tasks"].values()]
    provinces = {str(world["a"]["province"].pk), str(world["b"]["province"].pk)}
    assert set(fanned["tasks"]) == provinces
    assert sorted(r["democratic_review"]["opened"] for r in results) == [3, 3]
    assert Campaign.objects.count() == 6
    assert CycleRun.objects.filter(cycle="democratic_review", period=f"{YEAR}-01-02").count() == 2


def test_a_branch_set_up_in_march_gets_its_review_on_the_next_daily_run(world):
    a = world["a"]
    first = cycles.democratic_review(a["province"], datetime.date(YEAR, 1, 2))
    assert first == {"organisations": 3, "opened": 3}
    new = OrganizationFactory(parent=a["township"], kind=OrgKind.BRANCH)
    on = datetime.date(YEAR, 3, 10)
    assert cycles.democratic_review(a["province"], on) == {"organisations": 1, "opened": 1}
    assert Campaign.objects.get(organization=new).kind == "democratic_review"
    assert cycles.democratic_review(a["province"], on) is None  # the same day again
    again = cycles.democratic_review(a["province"], datetime.date(YEAR, 3, 11))
    assert again == {"organisations": 0, "opened": 0}
    assert Campaign.objects.filter(year=YEAR).count() == 4


def test_every_second_year_skips_only_who_held_a_review_last_year(world):
    a = world["a"]
    PolicyOverrideFactory(
        organization=a["province"], key="democratic_review_interval_years", value=2
    )
    services.campaigns_open(kind="democratic_review", year=YEAR - 1, branch_ids=[a["branch1"].pk])
    # branch2: a review three years ago and last year's party-spirit analysis,
    # which together must not count as "a review in the last year".
    services.campaigns_open(kind="democratic_review", year=YEAR - 3, branch_ids=[a["branch2"].pk])
    services.campaigns_open(kind="party_spirit", year=YEAR - 1, branch_ids=[a["branch2"].pk])
    outcome = cycles.democratic_review(a["province"], datetime.date(YEAR, 1, 2))
    assert outcome == {"organisations": 2, "opened": 2}
    assert set(Campaign.objects.filter(year=YEAR).values_list("organization", flat=True)) == {
        a["township"].pk,
        a["branch2"].pk,
    }


def test_a_failing_cycle_does_not_stop_the_others_and_is_retried(world, monkeypatch, caplog):
    from education.tasks import run_province_cycles

    a = world["a"]
    MemberFactory(branch=a["branch1"], full=True, leadership_level="county")

    def busy(**kwargs):
        raise RuntimeError("database busy")

    monkeypatch.setattr(services, "campaigns_open", busy)
    on = datetime.date(YEAR, 10, 8)
    with pytest.raises(cycles.CyclesFailed, match="democratic_review: RuntimeError"):
        run_province_cycles(a["province"].pk, on.isoformat())
    # the cycles after the failing one ran
    assert Reminder.objects.filter(kind=ReminderKind.LEADER_LECTURE).count() == 1
    assert not Campaign.objects.exists()
    assert any(r.exc_info and "democratic_review" in r.getMessage() for r in caplog.records), (
        caplog.text
    )

    monkeypatch.undo()
    summary = cycles.run_province(a["province"].pk, on)
    assert summary["democratic_review"] == {"organisations": 3, "opened": 3}
    assert cycles.failures(summary) == []
    assert summary["leader_lecture"] is None  # done the first time
