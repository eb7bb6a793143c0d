"""The demo of spot-checks and inspections (ensure_inspections)."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accountability.inspections.demo import ensure_inspections
from accountability.inspections.models import Inspection, SpotCheck, SpotCheckFinding
from accountability.inspections.services import spot_check_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", "--scale", "small")
        created = ensure_inspections(0)
        yield created
        transaction.set_rollback(True)


def test_the_demo_spot_check_is_drawn_with_findings_and_orders(seeded):
    check = SpotCheck.objects.get(organizing_org__code="ZJ")
    assert seeded == 0  # seed_demo made it already: nothing new
    assert check.status == "in_progress" and check.units.count() >= 12
    assert spot_check_verify(check)["matches"]
    findings = SpotCheckFinding.objects.filter(unit__spot_check=check)
    assert findings.count() == 3
    assert all(f.order and f.order.source_kind == "spot_check" for f in findings)
    assert Inspection.objects.filter(organizing_org__code="ZJ-HZ-XH").count() == 1
    assert ensure_inspections(0) == 0
    assert SpotCheck.objects.count() == 1
