"""No complaint case silently passes its feedback deadline: the daily cycle
flags it and raises one reminder per case; feedback resolves it; running
twice changes nothing."""

import datetime

import pytest
from django.utils import timezone

from branches.models import CycleRun, Reminder
from outreach import services_cases as services
from outreach import tasks_cases
from outreach.models import Case
from tests.outreach.walk_cases import cases_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world():
    return cases_world()


def make(world, org, received_days_ago, actor="secretary"):
    return services.case_create(
        actor=world["u"][actor],
        organization=org,
        channel="letter",
        received_on=TODAY - datetime.timedelta(days=received_days_ago),
        requester_name="李建华",
        request="反映小区物业收费不透明。",
    )


def reminders():
    return Reminder.objects.filter(kind="case_overdue")


def test_overdue_detection_is_idempotent_and_resolved_by_feedback(world):
    a, b = world["a"], world["b"]
    late = make(world, a["branch1"], 20)  # due 5 days ago
    late2 = make(world, a["branch2"], 16, actor="county")  # due yesterday
    on_time = make(world, a["branch1"], 15)  # due today: not late
    other_province = make(world, b["branch1"], 30, actor="other_province")
    province = a["province"].pk
    outcome = tasks_cases.run_province_case_overdue(province, TODAY.isoformat())
    assert outcome == {"overdue": 2, "flagged": 2, "reminders": 2, "reopened": 0}
    late.refresh_from_db()
    assert late.overdue_since == late.feedback_due + datetime.timedelta(days=1)
    assert set(reminders().values_list("key", flat=True)) == {
        f"case_overdue:{late.pk}",
        f"case_overdue:{late2.pk}",
    }
    # Twice the same day: the CycleRun is done; a forced second pass changes nothing either.
    assert tasks_cases.run_province_case_overdue(province, TODAY.isoformat()) is None
    again = tasks_cases.flag_overdue(province, TODAY)
    assert again == {"overdue": 2, "flagged": 0, "reminders": 0, "reopened": 0}
    assert reminders().count() == 2
    assert CycleRun.objects.filter(cycle="case_overdue", organization_id=province).count() == 1
    on_time.refresh_from_db()
    assert on_time.overdue_since is None
    other_province.refresh_from_db()
    assert other_province.overdue_since is None  # another province's run
    # Feedback resolves the reminder; overdue_since stays as the record of lateness.
    services.case_answer(
        actor=world["u"]["secretary"],
        case=late,
        status="solved",
        outcome="已约谈物业公司，公示收费明细。",
        feedback_on=TODAY - datetime.timedelta(days=17),  # recorded late, given in time
    )
    reminder = reminders().get(key=f"case_overdue:{late.pk}")
    assert reminder.resolved_at is not None
    late.refresh_from_db()
    assert late.overdue_since is not None
    # Reopened and late again: the same reminder is open again, never a second one.
    services.case_reopen(
        actor=world["u"]["secretary"],
        case=late,
        note="群众认为公示不完整",
        on=TODAY - datetime.timedelta(days=16),
    )
    assert tasks_cases.flag_overdue(province, TODAY)["reopened"] == 1
    reminder.refresh_from_db()
    assert reminder.resolved_at is None
    assert reminders().filter(key=f"case_overdue:{late.pk}").count() == 1


def test_the_fan_out_enqueues_one_task_per_province(world, django_capture_on_commit_callbacks):
    from unittest import mock

    with (
        mock.patch.object(tasks_cases.run_province_case_overdue, "apply_async") as apply,
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = tasks_cases.run_case_overdue_cycles.apply(args=(TODAY.isoformat(),)).get()
    provinces = {world["a"]["province"].pk, world["b"]["province"].pk}
    assert provinces <= set(result["tasks"])
    called = {c.args[0][0] for c in apply.call_args_list}
    assert provinces <= called


def test_overdue_shows_before_the_task_ran(client, world):
    from django.urls import reverse

    late = make(world, world["a"]["branch1"], 20)
    assert Case.objects.get(pk=late.pk).overdue_since is None
    client.force_login(world["u"]["county"])
    page = client.get(reverse("outreach:cases", args=[world["a"]["county"].pk]))
    html = page.content.decode()
    assert 'data-test="overdue-alert"' in html and 'data-test="overdue"' in html
    detail = client.get(reverse("outreach:case", args=[late.pk])).content.decode()
    assert 'data-test="overdue-alert"' in detail
    api = client.get("/api/v1/outreach/cases/", {"overdue": "true"}).json()
    assert [row["id"] for row in api["results"]] == [late.pk]
    assert api["results"][0]["overdue"] is True
