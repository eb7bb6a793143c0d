"""The assessment of a secretary shows on the member's record (document 4, 四:
results are a basis for selecting cadres), and a rectification order issued
as an outcome links back to its scorecard."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accountability.assessments import services
from accountability.assessments.models import Scorecard

from .conftest import make_scheme

pytestmark = pytest.mark.django_db


def finalised(world):
    scheme = make_scheme(world)
    city = world["u"]["city"]
    card = Scorecard.objects.get(scheme=scheme, organization=world["a"]["county"])
    services.score_manual(
        actor=city, scorecard=card, indicator=scheme.indicators.get(kind="manual"), points="30"
    )
    return services.scorecard_finalise(actor=city, scorecard=card)


def test_the_member_page_shows_the_grade_to_those_who_see_the_scorecard(world, client):
    card = finalised(world)
    page = reverse("members:detail", args=[world["county_secretary"].pk])
    client.force_login(world["u"]["county"])
    shown = client.get(page).content.decode()
    assert 'data-test="member-accountability"' in shown
    assert reverse("assessments:scorecard", args=[card.pk]) in shown
    # A branch secretary sees the member but not the county's scorecard.
    client.force_login(world["u"]["secretary"])
    response = client.get(page)
    assert response.status_code == 200
    assert 'data-test="member-accountability"' not in response.content.decode()


def test_the_rectification_order_links_back_to_the_scorecard(world, client):
    card = services.scorecard_outcome(
        actor=world["u"]["city"],
        scorecard=finalised(world),
        outcome="rectification",
        required="制定整改方案",
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    client.force_login(world["u"]["county"])
    page = client.get(reverse("accountability:order", args=[card.rectification_id]))
    assert reverse("assessments:scorecard", args=[card.pk]).encode() in page.content
