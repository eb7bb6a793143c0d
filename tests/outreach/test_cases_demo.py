import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from branches.models import Reminder
from outreach.demo_cases import ensure_cases
from outreach.models import Case, ReceptionSlot, ServiceStation

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", "--scale", "small")
        ensure_cases(0)
        yield
        transaction.set_rollback(True)


def test_the_demo_has_every_state_two_overdue_and_is_idempotent(seeded):
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == {"open", "solved", "explained", "closed"}
    assert 18 <= Case.objects.count() <= 22
    assert Case.objects.filter(satisfaction="unsatisfied").exists()  # reopened ones
    assert Case.objects.filter(status="open", overdue_since__isnull=False).count() == 2
    assert Reminder.objects.filter(kind="case_overdue", resolved_at__isnull=True).count() == 2
    assert ServiceStation.objects.filter(organization__code__startswith="ZJ-HZ-XH").count() == 4
    assert ServiceStation.objects.filter(organization__code__startswith="SC-NC-LZ").count() == 2
    assert ReceptionSlot.objects.values("leader").distinct().count() == 3
    assert Case.objects.filter(channel="reception", reception__isnull=False).exists()
    counts = (Case.objects.count(), ServiceStation.objects.count(), ReceptionSlot.objects.count())
    assert ensure_cases(0) == 0
    assert (
        Case.objects.count(),
        ServiceStation.objects.count(),
        ReceptionSlot.objects.count(),
    ) == (counts)
