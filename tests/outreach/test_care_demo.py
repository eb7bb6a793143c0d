import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from branches.models import User
from members.models import MemberFlag
from outreach.demo_care import ensure_care
from outreach.models import CareRecord, Household, Pairing, PairingVisit, VolunteerRecord

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", "--scale", "small")
        created = ensure_care(0)
        yield created
        transaction.set_rollback(True)


def test_the_care_demo_is_complete_and_idempotent(seeded):
    assert seeded == 0  # seed_demo ran it already: a second run adds nothing
    for code in ("ZJ-HZ-XH-T1-01", "SC-NC-LZ-T1-01"):
        assert Household.objects.filter(organization__code=code).count() == 3
        assert Pairing.objects.filter(branch__code=code, ended_on__isnull=True).count() == 2
        assert Pairing.objects.filter(branch__code=code, ended_on__isnull=False).count() == 1
        assert PairingVisit.objects.filter(pairing__branch__code=code).count() >= 9
        assert VolunteerRecord.objects.filter(branch__code=code).count() > 20
        assert CareRecord.objects.filter(branch__code=code).exists()
        hardship = MemberFlag.objects.filter(
            member__branch__code=code, kind="hardship", cleared_on__isnull=True
        )
        assert set(
            CareRecord.objects.filter(branch__code=code).values_list("member", flat=True)
        ) <= set(hardship.values_list("member", flat=True))
    xh_member = User.objects.get(username="xh_member")
    assert Pairing.objects.filter(member__user=xh_member).exists()
    assert (
        VolunteerRecord.objects.filter(member__user=xh_member, recorded_by=xh_member).count() == 2
    )
    assert (
        VolunteerRecord.objects.filter(member__user=xh_member)
        .exclude(recorded_by=xh_member)
        .exists()
    )
    counts = [
        m.objects.count() for m in (Household, Pairing, PairingVisit, VolunteerRecord, CareRecord)
    ]
    assert ensure_care(0) == 0
    assert counts == [
        m.objects.count() for m in (Household, Pairing, PairingVisit, VolunteerRecord, CareRecord)
    ]
