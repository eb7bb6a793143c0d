import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accountability.written_reports import services
from accountability.written_reports.demo import ensure_written_reports
from accountability.written_reports.models import WrittenReport
from branches.models import Reminder

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", "--scale", "small")
        created = ensure_written_reports(0)
        yield created
        transaction.set_rollback(True)


def test_the_demo_has_accepted_returned_and_late_reports_and_is_idempotent(seeded):
    assert seeded == 0  # seed_demo made them already: nothing new
    year = services.today().year - 1
    reports = WrittenReport.objects.filter(year=year)
    accepted = reports.get(organization__code="ZJ-HZ-XH")
    assert accepted.status == "accepted" and accepted.accepted_by.username == "zj_org"
    assert accepted.recipient.code == "ZJ-HZ" and accepted.figures.exists()
    returned = reports.get(organization__code="ZJ-HZ")
    assert returned.status == "returned" and returned.recipient.code == "ZJ"
    late = reports.get(status="draft")
    assert late.recipient.code == "ZJ-HZ"
    assert Reminder.objects.filter(
        kind=services.REMINDER_KIND, organization=late.organization, resolved_at__isnull=True
    ).exists()
    assert not Reminder.objects.filter(
        kind=services.REMINDER_KIND, organization=accepted.organization
    ).exists()
    assert ensure_written_reports(0) == 0
    assert WrittenReport.objects.filter(year=year).count() == 3
