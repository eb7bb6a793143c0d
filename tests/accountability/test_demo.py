from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accountability.demo import ORDERS, ensure_rectifications, ensure_weak_units
from accountability.models import RectificationOrder, WeakUnit
from branches.models import Reminder

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", "--scale", "small")
        created = ensure_rectifications(0)
        yield created
        transaction.set_rollback(True)


def test_the_demo_has_one_overdue_one_accepted_and_is_idempotent(seeded):
    assert seeded == 0  # seed_demo made them already: nothing new
    # This demo's own orders: the other areas' demos issue more from the same county.
    today = timezone.localdate()
    references = {
        ref.format(year=(today - timedelta(days=ago)).year) for ref, _k, _p, _r, ago, *_ in ORDERS
    }
    orders = RectificationOrder.objects.filter(
        issued_by_org__code="ZJ-HZ-XH", weak_unit__isnull=True, source_ref__in=references
    )
    assert orders.count() == 4
    assert set(orders.values_list("status", flat=True)) == {
        "in_progress",
        "accepted",
        "submitted",
        "issued",
    }
    late = orders.get(overdue_since__isnull=False)
    assert late.organization.code == "ZJ-HZ-XH-T1-01" and late.status == "in_progress"
    assert (
        Reminder.objects.filter(
            kind="rectification_overdue", resolved_at__isnull=True, organization__code="ZJ-HZ-XH"
        ).count()
        == 1
    )
    assert orders.get(status="accepted").accepted_by.username == "xh_org"
    assert ensure_rectifications(0) == 0
    assert orders.count() == 4


def test_the_demo_has_a_weak_unit_consolidated_and_one_being_consolidated(seeded):
    units = WeakUnit.objects.filter(identified_by_org__code="ZJ-HZ-XH")
    assert sorted(units.values_list("status", flat=True)) == ["consolidated", "consolidating"]
    done = units.get(status="consolidated")
    assert done.order.status == "accepted" and done.result
    assert units.get(status="consolidating").order.source_kind == "weak_unit"
    assert ensure_weak_units(0) == 0 and units.count() == 2
