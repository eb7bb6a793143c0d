"""The certificate's yearly review (document 3, 三（一）: 每年审核一次): valid a
year after its issue or last review; reminders raised once per certificate
and validity, resolved by the review; the monthly run is idempotent."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import CycleRun, Reminder, ReminderKind
from mobility import cycles, services
from mobility.models import Certificate
from mobility.tasks import run_province_certificate_reviews
from tests.factories import PolicyOverrideFactory
from tests.mobility.test_workflow import checked_in, issued, world  # noqa: F401

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def issued_on(cert, day: datetime.date):
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    Certificate.objects.filter(pk=cert.pk).update(issued_at=at)
    cert.refresh_from_db()
    return cert


def reminders():
    return Reminder.objects.filter(kind=ReminderKind.CERTIFICATE_REVIEW)


def test_a_certificate_is_due_a_year_after_its_issue_once(world):  # noqa: F811
    cert = issued_on(checked_in(world), datetime.date(2025, 3, 10))
    province = world["a"]["province"]
    # Two months before the anniversary nothing is due yet...
    assert cycles.raise_review_reminders(province.pk, datetime.date(2026, 1, 1)) == {"raised": 0}
    # ...within the notice it is: one reminder for the outflow branch.
    on = datetime.date(2026, 2, 1)
    assert run_province_certificate_reviews(province.pk, on.isoformat()) == {"raised": 1}
    reminder = reminders().get()
    assert reminder.organization == world["a"]["branch1"]
    assert reminder.member == world["member"]
    assert reminder.due_on == datetime.date(2026, 3, 10)
    assert cert.number in reminder.detail and reminder.resolved_at is None
    # The same month again: the unit is done; the next months: nothing new.
    assert run_province_certificate_reviews(province.pk, on.isoformat()) is None
    assert run_province_certificate_reviews(province.pk, "2026-03-01") == {"raised": 0}
    assert cycles.raise_review_reminders(province.pk, datetime.date(2026, 4, 1)) == {"raised": 0}
    assert reminders().count() == 1
    run = CycleRun.objects.get(cycle=cycles.CYCLE, period="2026-02", organization=province)
    assert run.outcome == {"raised": 1}
    # The other province has nothing to review.
    assert cycles.raise_review_reminders(world["b"]["province"].pk, on) == {"raised": 0}


def test_the_review_resolves_it_and_the_next_year_asks_again(world):  # noqa: F811
    cert = issued_on(checked_in(world), TODAY - datetime.timedelta(days=340))
    province = world["a"]["province"]
    assert cycles.raise_review_reminders(province.pk, TODAY) == {"raised": 1}
    services.certificate_review(
        actor=world["u"]["inflow"],  # the branch where organisational life happens
        certificate=cert,
        year=TODAY.year,
        reviewed_on=TODAY,
        notes="按时参加组织生活",
    )
    assert reminders().get().resolved_at is not None
    assert cycles.raise_review_reminders(province.pk, TODAY) == {"raised": 0}
    # Ten months on, the next review falls due, with its own reminder.
    later = TODAY + datetime.timedelta(days=310)
    assert cycles.raise_review_reminders(province.pk, later) == {"raised": 1}
    open_one = reminders().get(resolved_at__isnull=True)
    assert open_one.due_on == TODAY.replace(year=TODAY.year + 1)


def test_a_local_rule_of_two_years_and_ended_certificates(world):  # noqa: F811
    PolicyOverrideFactory(
        organization=world["a"]["county"], key="certificate_review_interval_years", value=2
    )
    cert = issued_on(issued(world), TODAY - datetime.timedelta(days=340))
    province = world["a"]["province"]
    assert cycles.raise_review_reminders(province.pk, TODAY) == {"raised": 0}
    issued_on(cert, TODAY - datetime.timedelta(days=700))
    assert cycles.raise_review_reminders(province.pk, TODAY) == {"raised": 1}
    # The member comes home: the reminder is closed and nothing new is raised.
    services.certificate_return(actor=world["u"]["outflow"], certificate=cert, returned_on=TODAY)
    assert reminders().get().resolved_at is not None
    later = TODAY + datetime.timedelta(days=40)
    assert cycles.raise_review_reminders(province.pk, later) == {"raised": 0}


def test_the_branch_and_the_verification_page_show_it(client, world):  # noqa: F811
    cert = issued_on(checked_in(world), TODAY - datetime.timedelta(days=400))
    branch = world["a"]["branch1"]
    verify = reverse("verify_certificate", args=[cert.verification_code])
    assert 'data-verdict="invalid"' in client.get(verify).content.decode()
    client.force_login(world["u"]["outflow"])
    page = client.get(reverse("mobility:branch", args=[branch.pk])).content.decode()
    assert "review-due" in page
    cycles.raise_review_reminders(world["a"]["province"].pk, TODAY)
    listed = client.get(reverse("education:reminders", args=[branch.pk])).content.decode()
    assert cert.number in listed
    services.certificate_review(
        actor=world["u"]["outflow"], certificate=cert, year=TODAY.year, reviewed_on=TODAY
    )
    page = client.get(reverse("mobility:branch", args=[branch.pk])).content.decode()
    assert "review-due" not in page
    client.logout()
    assert 'data-verdict="valid"' in client.get(verify).content.decode()
