"""The certificate's yearly review (document 3, 三（一）: 每年审核一次): reminders
raised once per certificate and year, resolved by the review, idempotent."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import CycleRun, Reminder, ReminderKind
from mobility import cycles, services
from mobility.models import Certificate
from mobility.tasks import run_province_certificate_reviews
from tests.mobility.test_workflow import checked_in, issued, world  # noqa: F401

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
JAN = datetime.date(YEAR, 1, 1)


def issued_last_year(cert):
    day = timezone.make_aware(datetime.datetime(YEAR - 1, 6, 1, 10))
    Certificate.objects.filter(pk=cert.pk).update(issued_at=day)
    cert.refresh_from_db()
    return cert


def reminders():
    return Reminder.objects.filter(kind=ReminderKind.CERTIFICATE_REVIEW)


def test_a_certificate_from_last_year_is_due_once_this_year(world):  # noqa: F811
    cert = issued_last_year(checked_in(world))
    province = world["a"]["province"]
    assert run_province_certificate_reviews(province.pk, JAN.isoformat()) == {"raised": 1}
    reminder = reminders().get()
    assert reminder.organization == world["a"]["branch1"]
    assert reminder.member == world["member"]
    assert reminder.due_on == datetime.date(YEAR, 12, 31)
    assert cert.number in reminder.detail and reminder.resolved_at is None
    # The same month again: the unit is done; next month: nothing new.
    assert run_province_certificate_reviews(province.pk, JAN.isoformat()) is None
    assert cycles.raise_review_reminders(province.pk, JAN) == {"raised": 0}
    assert run_province_certificate_reviews(province.pk, f"{YEAR}-02-01") == {"raised": 0}
    assert reminders().count() == 1
    run = CycleRun.objects.get(cycle=cycles.CYCLE, period=f"{YEAR}-01", organization=province)
    assert run.outcome == {"raised": 1}
    # The other province has nothing to review.
    assert run_province_certificate_reviews(world["b"]["province"].pk, JAN.isoformat()) == {
        "raised": 0
    }


def test_the_review_by_the_inflow_side_resolves_it_and_next_year_asks_again(world):  # noqa: F811
    cert = issued_last_year(checked_in(world))
    province = world["a"]["province"]
    cycles.raise_review_reminders(province.pk, JAN)
    services.certificate_review(
        actor=world["u"]["inflow"],
        certificate=cert,
        year=YEAR,
        reviewed_on=JAN + datetime.timedelta(days=40),
        notes="按时参加组织生活",
    )
    assert reminders().get().resolved_at is not None
    # Reviewed this year: a later month raises nothing.
    assert cycles.raise_review_reminders(province.pk, datetime.date(YEAR, 6, 1)) == {"raised": 0}
    # Next year the certificate is due again, with its own reminder.
    next_year = datetime.date(YEAR + 1, 1, 1)
    assert cycles.raise_review_reminders(province.pk, next_year) == {"raised": 1}
    assert reminders().filter(resolved_at__isnull=True).get().due_on == datetime.date(
        YEAR + 1, 12, 31
    )


def test_new_certificates_and_ended_ones_are_not_due(world):  # noqa: F811
    cert = issued(world)  # issued this year: the issue is this year's check
    province = world["a"]["province"]
    assert cycles.raise_review_reminders(province.pk, JAN) == {"raised": 0}
    issued_last_year(cert)
    assert cycles.raise_review_reminders(province.pk, JAN) == {"raised": 1}
    # The member comes home: the open reminder is closed, nothing new is raised.
    services.certificate_return(
        actor=world["u"]["outflow"], certificate=cert, returned_on=timezone.localdate()
    )
    assert reminders().get().resolved_at is not None
    assert cycles.raise_review_reminders(province.pk, datetime.date(YEAR, 3, 1)) == {"raised": 0}


def test_the_branch_sees_the_due_review(client, world):  # noqa: F811
    cert = issued_last_year(checked_in(world))
    branch = world["a"]["branch1"]
    client.force_login(world["u"]["outflow"])
    page = client.get(reverse("mobility:branch", args=[branch.pk])).content.decode()
    assert "review-due" in page
    cycles.raise_review_reminders(world["a"]["province"].pk, JAN)
    listed = client.get(reverse("education:reminders", args=[branch.pk])).content.decode()
    assert cert.number in listed
    services.certificate_review(
        actor=world["u"]["outflow"], certificate=cert, year=YEAR, reviewed_on=timezone.localdate()
    )
    page = client.get(reverse("mobility:branch", args=[branch.pk])).content.decode()
    assert "review-due" not in page
