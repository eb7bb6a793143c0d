import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from accountability.assessments.demo import ensure_assessments
from accountability.assessments.models import AssessmentScheme, Scorecard
from accountability.models import RectificationOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", "--scale", "small")
        created = ensure_assessments(0)
        yield created
        transaction.set_rollback(True)


def test_the_demo_city_assesses_its_counties_once(seeded):
    scheme = AssessmentScheme.objects.get(organization__code="ZJ-HZ")
    cards = Scorecard.objects.filter(scheme=scheme)
    assert seeded == 0  # seed_demo made them already: nothing new
    assert cards.count() >= 2 and not cards.filter(status="open").exists()
    assert scheme.indicators.filter(kind="computed").exists()
    assert scheme.indicators.filter(kind="manual").exists()
    own = cards.get(organization__code="ZJ-HZ-XH")
    assert own.outcome == "commendation" and own.report_text and own.secretary is not None
    rectified = cards.get(outcome="rectification")
    order = RectificationOrder.objects.get(source_kind="assessment", issued_by_org__code="ZJ-HZ")
    assert rectified.rectification == order and order.organization == rectified.organization
    assert ensure_assessments(0) == 0
    assert Scorecard.objects.filter(scheme__organization__code="ZJ-HZ").count() == cards.count()
    assert RectificationOrder.objects.filter(issued_by_org__code="ZJ-HZ").count() == 1
