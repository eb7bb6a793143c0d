"""Lost contact (document 3, 三（一）): no report and no entry for the policy's
days flags the member; criticism first, then organisational handling."""

import datetime

import pytest
from django.urls import reverse

from branches.models import CycleRun, Role
from members.models import Handling
from mobility import reports
from mobility.models import Episode
from mobility.tasks import run_province_lost_contact
from tests.factories import (
    ActorFactory,
    MemberFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 11, 1)


def make_episode(branch, days_since_contact, **extra):
    last = ON - datetime.timedelta(days=days_since_contact)
    return Episode.objects.create(
        member=extra.pop("member", None) or MemberFactory(branch=branch),
        outflow_branch=branch,
        province=branch.province,
        reason="employment",
        destination_region="浙江省杭州市",
        contact="13900000000",
        reported_on=last - datetime.timedelta(days=10),
        started_on=last - datetime.timedelta(days=5),
        last_contact_on=last,
        created_by=ActorFactory(),
        **extra,
    )


def secretary(org):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=org)
    return user


@pytest.fixture
def tree():
    return province_tree("甲")


def test_flags_exactly_those_past_the_policy_days_and_twice_changes_nothing(tree):
    within = make_episode(tree["branch1"], 179)
    at_limit = make_episode(tree["branch1"], 180)
    past = make_episode(tree["branch1"], 181)
    returned = make_episode(tree["branch2"], 400, status="returned", returned_on=ON)
    assert reports.detect_lost_contact(tree["province"].pk, ON) == {"marked": 1}
    flagged = set(
        Episode.objects.filter(lost_contact_since__isnull=False).values_list("pk", flat=True)
    )
    assert flagged == {past.pk}
    past.refresh_from_db()
    assert past.lost_contact_since == past.last_contact_on
    assert within.pk not in flagged and at_limit.pk not in flagged and returned.pk not in flagged
    # Idempotent: a second run, even later, leaves the flag as it was.
    assert reports.detect_lost_contact(tree["province"].pk, ON) == {"marked": 0}
    assert reports.detect_lost_contact(tree["province"].pk, ON + datetime.timedelta(days=1)) == {
        "marked": 1
    }  # at_limit is now past 180 days; within is at 180
    past.refresh_from_db()
    assert past.lost_contact_since == ON - datetime.timedelta(days=181)


def test_the_branch_policy_decides_the_days(tree):
    PolicyOverrideFactory(organization=tree["county"], key="mobile_lost_contact_days", value=90)
    short = make_episode(tree["branch1"], 91)
    other_province = province_tree("乙")
    elsewhere = make_episode(other_province["branch1"], 91)
    reports.detect_lost_contact(tree["province"].pk, ON)
    reports.detect_lost_contact(other_province["province"].pk, ON)
    short.refresh_from_db()
    elsewhere.refresh_from_db()
    assert short.lost_contact_since is not None
    assert elsewhere.lost_contact_since is None  # default 180 days there


def test_a_report_clears_lost_contact(tree):
    episode = make_episode(tree["branch1"], 200)
    reports.detect_lost_contact(tree["province"].pk, ON)
    episode.refresh_from_db()
    assert episode.lost_contact_since is not None
    reports.member_report_submit(
        actor=secretary(tree["branch1"]),
        episode=episode,
        kind="change",
        on=ON,
        new_contact="13700000000",
    )
    episode.refresh_from_db()
    assert episode.lost_contact_since is None and episode.last_contact_on == ON
    assert reports.detect_lost_contact(tree["province"].pk, ON) == {"marked": 0}


def test_monthly_task_runs_once_per_province_and_month(tree):
    make_episode(tree["branch1"], 181)
    first = run_province_lost_contact(tree["province"].pk, ON.isoformat())
    assert first == {"marked": 1}
    Episode.objects.update(lost_contact_since=None)  # as if contact came, then went again
    assert run_province_lost_contact(tree["province"].pk, ON.isoformat()) is None
    assert not Episode.objects.filter(lost_contact_since__isnull=False).exists()
    run = CycleRun.objects.get(cycle="mobile_lost_contact", organization=tree["province"])
    assert run.period == "2026-11" and run.finished_at is not None
    # Next month runs again.
    assert run_province_lost_contact(tree["province"].pk, "2026-12-01") == {"marked": 1}


def test_lost_contact_page_records_criticism_then_handling(
    client, tree, django_assert_max_num_queries
):
    lost = [make_episode(tree["branch1"], 200 + i) for i in range(8)]
    make_episode(tree["branch1"], 10)
    reports.detect_lost_contact(tree["province"].pk, ON)
    sec = secretary(tree["branch1"])
    client.force_login(sec)
    url = reverse("mobility:lost_contact", args=[tree["branch1"].pk])
    with django_assert_max_num_queries(15):
        page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert str(reports.LOST_CONTACT_REASON) in body
    assert all(e.member.name in body for e in lost)
    member = lost[0].member
    # Organisational handling before criticism is refused, with the reason.
    refused = client.post(
        url, {"episode": lost[0].pk, "stage": "deadline", "reason": "x", "on": ON.isoformat()}
    )
    assert refused.status_code == 302
    assert not Handling.objects.exists()
    done = client.post(
        url,
        {
            "episode": lost[0].pk,
            "stage": "criticism",
            "reason": str(reports.LOST_CONTACT_REASON),
            "on": ON.isoformat(),
        },
    )
    assert done.status_code == 302
    handling = Handling.objects.get(member=member)
    assert handling.stage == "criticism" and handling.reason == str(reports.LOST_CONTACT_REASON)
    client.post(
        url,
        {
            "episode": lost[0].pk,
            "stage": "deadline",
            "reason": str(reports.LOST_CONTACT_REASON),
            "on": ON.isoformat(),
            "deadline": (ON + datetime.timedelta(days=90)).isoformat(),
        },
    )
    assert Handling.objects.filter(member=member, stage="deadline").exists()


def test_lost_contact_page_is_scoped(client, tree):
    other = province_tree("乙")
    episode = make_episode(other["branch1"], 200)
    client.force_login(secretary(tree["branch1"]))
    assert (
        client.get(reverse("mobility:lost_contact", args=[tree["branch2"].pk])).status_code == 404
    )
    assert (
        client.get(reverse("mobility:lost_contact", args=[other["branch1"].pk])).status_code == 404
    )
    # Another branch's episode posted to one's own page is 404 too.
    response = client.post(
        reverse("mobility:lost_contact", args=[tree["branch1"].pk]),
        {"episode": episode.pk, "stage": "criticism", "reason": "x", "on": ON.isoformat()},
    )
    assert response.status_code == 404
    assert not Handling.objects.exists()


def test_a_contact_committed_between_the_read_and_the_update_is_not_flagged(tree, monkeypatch):
    """The batch update re-checks the cut-off, not only the flag."""
    import builtins

    from django.db.models import QuerySet

    past = make_episode(tree["branch1"], 200)
    other = make_episode(tree["branch1"], 200)
    real_list = builtins.list

    def ids_then_contact(iterable):
        values = real_list(iterable)
        is_id_batch = (
            isinstance(iterable, QuerySet)
            and iterable.model is Episode
            and getattr(iterable, "_fields", None) == ("pk",)
        )
        if is_id_batch and past.pk in values:
            # The member reports now, in another transaction already committed.
            Episode.objects.filter(pk=past.pk).update(last_contact_on=ON)
        return values

    monkeypatch.setattr(reports, "list", ids_then_contact, raising=False)
    assert reports.detect_lost_contact(tree["province"].pk, ON) == {"marked": 1}
    past.refresh_from_db()
    other.refresh_from_db()
    assert past.lost_contact_since is None and past.last_contact_on == ON
    assert other.lost_contact_since is not None
