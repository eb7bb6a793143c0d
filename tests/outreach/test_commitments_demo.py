"""The demo commitments and posts: every state, idempotent."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from outreach.demo_commitments import BRANCH_CODE, ensure_commitments
from outreach.models import Commitment, CommitmentEvaluation, PostHolder, PostLog, ServicePost

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", "--scale", "small")
        ensure_commitments(0)
        yield
        transaction.set_rollback(True)


def test_the_demo_has_every_state_and_is_idempotent(seeded):
    rows = Commitment.objects.filter(branch__code=BRANCH_CODE)
    assert set(rows.values_list("status", flat=True)) == {
        "draft",
        "submitted",
        "approved",
        "returned",
        "done",
        "not_done",
        "withdrawn",
    }
    assert rows.filter(member__user__username="xh_member").count() == 2
    assert CommitmentEvaluation.objects.filter(commitment__branch__code=BRANCH_CODE).exists()
    assert ServicePost.objects.filter(organization__code=BRANCH_CODE).count() == 3
    assert PostHolder.objects.filter(status="applied").count() == 1
    assert PostLog.objects.exists()
    count = rows.count()
    assert ensure_commitments(0) == 0
    assert rows.count() == count
