import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accountability.responsibility.demo import ensure_responsibility
from accountability.responsibility.models import (
    AccountabilityRecord,
    Commendation,
    LeadingGroupMeeting,
    ResponsibilityAssignment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", "--scale", "small")
        first = ensure_responsibility(0)
        yield first
        transaction.set_rollback(True)


def test_the_demo_names_responsible_persons_and_is_idempotent(seeded):
    assert seeded == 0  # seed_demo made them already: nothing new
    rows = ResponsibilityAssignment.objects.filter(organization__code="ZJ-HZ-XH")
    assert rows.filter(role="first", valid_to__isnull=True).count() == 1
    assert rows.filter(role="first", valid_to__isnull=False).count() == 1  # the predecessor
    assert rows.filter(role="direct", valid_to__isnull=True).count() == 1
    for code in ("ZJ", "ZJ-HZ"):
        assert ResponsibilityAssignment.objects.filter(
            organization__code=code, role="first", valid_to__isnull=True
        ).exists()
    meeting = LeadingGroupMeeting.objects.get(group__organization__code="ZJ-HZ-XH")
    assert meeting.attendees.count() >= 2
    assert set(Commendation.objects.values_list("status", flat=True)) == {
        "awarded",
        "nominated",
        "declined",
    }
    assert AccountabilityRecord.objects.filter(decided_by__code="ZJ-HZ-XH").count() == 1
    count = ResponsibilityAssignment.objects.count() + Commendation.objects.count()
    assert ensure_responsibility(0) == 0
    assert ResponsibilityAssignment.objects.count() + Commendation.objects.count() == count
