"""The demo's roll-ups (seed_demo ends with ensure_rollups)."""

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accountability import figures
from branches.models import Organization
from dashboards import metrics, selectors
from dashboards.demo import ensure_rollups
from dashboards.models import ReconcileRun

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", "--scale", "small")
        yield ensure_rollups()
        transaction.set_rollback(True)


@pytest.mark.parametrize("code", ["ZJ", "ZJ-HZ", "ZJ-HZ-XH", "SC"])
def test_the_demo_dashboards_hold_the_figures_of_the_raw_rows(seeded, code):
    assert seeded == 0  # seed_demo recounted already: nothing differs
    org = Organization.objects.get(code=code)
    stored = selectors.figures(org, YEAR)
    assert stored["members"] > 0
    for key, metric in metrics.METRICS.items():
        if metric.figure:
            assert stored[key] == figures.value_of(metric.figure, org, YEAR).value, key
    assert ReconcileRun.objects.filter(province=org.province or org, year=YEAR).exists()
