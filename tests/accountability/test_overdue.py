"""Overdue orders are flagged daily, once, with one reminder on the ISSUING
organisation; acceptance resolves it; running twice changes nothing."""

import datetime

import pytest
from django.utils import timezone

from accountability import services, tasks
from branches.models import Reminder

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def make(world, org, issuer, actor, days_ago, days):
    issued_on = TODAY - datetime.timedelta(days=days_ago)
    return services.order_issue(
        actor=world["u"][actor],
        issued_by_org=issuer,
        organization=org,
        source_kind="inspection",
        problem="台账不全",
        required="补全台账",
        issued_on=issued_on,
        deadline=issued_on + datetime.timedelta(days=days),
    )


def reminders():
    return Reminder.objects.filter(kind="rectification_overdue")


def test_overdue_detection_is_idempotent_and_resolved_by_acceptance(world):
    a, b, u = world["a"], world["b"], world["u"]
    late = make(world, a["branch1"], a["county"], "county", 40, 30)  # due 10 days ago
    late2 = make(world, a["branch2"], a["county"], "county", 31, 30)  # due yesterday
    due_today = make(world, a["branch1"], a["county"], "county", 30, 30)  # not late today
    make(world, b["branch1"], b["county"], "other_province", 60, 10)  # another province
    province = a["province"].pk
    outcome = tasks.run_province_rectification_overdue(province, TODAY.isoformat())
    assert outcome == {"overdue": 2, "flagged": 2, "reminders": 2}
    late.refresh_from_db()
    assert late.overdue_since == late.deadline + datetime.timedelta(days=1)
    assert set(reminders().values_list("key", "organization_id")) == {
        (f"rectification_overdue:{late.pk}", a["county"].pk),
        (f"rectification_overdue:{late2.pk}", a["county"].pk),
    }
    # The same day again: the CycleRun is done; a forced second pass changes nothing either.
    assert tasks.run_province_rectification_overdue(province, TODAY.isoformat()) is None
    assert tasks.flag_overdue(province, TODAY) == {"overdue": 2, "flagged": 0, "reminders": 0}
    assert reminders().count() == 2
    # Submitted late, then returned: still one reminder, still open.
    services.progress_record(actor=u["secretary"], order=late, progress="已整改")
    services.order_submit(actor=u["secretary"], order=late)
    services.order_return(actor=u["county"], order=late, note="不到位")
    tomorrow = TODAY + datetime.timedelta(days=1)
    # Tomorrow only the order due today is new; the returned one keeps its reminder.
    assert tasks.flag_overdue(province, tomorrow)["reminders"] == 1
    assert reminders().filter(resolved_at__isnull=True).count() == 3
    assert reminders().filter(key=f"rectification_overdue:{due_today.pk}").exists()
    # Acceptance resolves it; the late order keeps its overdue_since.
    services.progress_record(actor=u["secretary"], order=late, progress="已补充")
    services.order_submit(actor=u["secretary"], order=late)
    services.order_accept(actor=u["county"], order=late)
    resolved = reminders().get(key=f"rectification_overdue:{late.pk}")
    assert resolved.resolved_at is not None
    late.refresh_from_db()
    assert late.overdue_since is not None
    assert tasks.flag_overdue(province, tomorrow) == {"overdue": 2, "flagged": 0, "reminders": 0}
    assert reminders().filter(resolved_at__isnull=True).count() == 2


def test_a_late_acceptance_keeps_the_record(world):
    u, a = world["u"], world["a"]
    order = make(world, a["branch1"], a["county"], "county", 40, 30)
    services.progress_record(actor=u["secretary"], order=order, progress="已整改")
    services.order_submit(actor=u["secretary"], order=order)
    order = services.order_accept(actor=u["county"], order=order)
    assert order.overdue_since == order.deadline + datetime.timedelta(days=1)


def test_the_daily_task_enqueues_every_province(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        result = tasks.run_rectification_overdue_cycles.apply(args=[TODAY.isoformat()]).get()
    assert set(result["tasks"]) >= {world["a"]["province"].pk, world["b"]["province"].pk}
    assert len(callbacks) == len(result["tasks"])
