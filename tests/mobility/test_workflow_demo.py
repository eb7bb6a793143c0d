import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from members.models import Member
from mobility.demo import ensure_mobility
from mobility.models import Certificate, CertificateEntry, Episode

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", "--scale", "small")
        ensure_mobility(0)
        yield
        transaction.set_rollback(True)


def test_the_demo_shows_every_certificate_state_and_is_idempotent(seeded):
    states = sorted(Certificate.objects.values_list("status", flat=True))
    assert states == sorted(
        ["requested", "stamped", "issued", "checked_in", "checked_in", "returned"]
    )
    assert CertificateEntry.objects.filter(kind="org_life").count() == 6
    assert CertificateEntry.objects.filter(kind="dues", dues__isnull=False).count() == 6
    assert ensure_mobility(0) == 0
    assert Episode.objects.count() == 6
    # The inflow secretary sees the checked-in members and no one else of 四川.
    from branches.models import User

    inflow = User.objects.get(username="hz_mobile_secretary")
    seen = Member.objects.visible_to(inflow).filter(province__code="SC")
    assert set(seen.values_list("pk", flat=True)) == set(
        Certificate.objects.filter(status="checked_in").values_list("member_id", flat=True)
    )
