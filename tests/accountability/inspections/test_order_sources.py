"""A rectification order arising from a spot-check finding names it, and links to
the unit page only for those who may open it (not the drawn branch)."""

import datetime

import pytest
from django.urls import reverse

from accountability.inspections import services
from accountability.inspections.models import SpotCheckUnit
from branches.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory

from .conftest import define

pytestmark = pytest.mark.django_db


def test_the_order_of_a_finding_names_it_and_links_only_where_the_user_may_go(spot, client):
    check = define(spot, branch_sample=3)
    services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=7)
    unit = SpotCheckUnit.objects.filter(spot_check=check).first()
    finding = services.finding_record(
        actor=spot["u"]["staff"],
        unit=unit,
        problem="党费台账不全",
        required="补齐台账",
        severity="minor",
        deadline=datetime.date.today() + datetime.timedelta(days=30),
    )
    order_page = reverse("accountability:order", args=[finding.order_id])
    unit_page = reverse("inspections:unit", args=[unit.pk])
    client.force_login(spot["u"]["staff"])
    assert unit_page in client.get(order_page).text
    branch_secretary = UserFactory()
    RoleAssignmentFactory(user=branch_secretary, role=Role.SECRETARY, organization=unit.branch)
    client.force_login(branch_secretary)
    page = client.get(order_page).text
    assert 'data-test="order-source"' in page and unit_page not in page
    assert client.get(unit_page).status_code == 404
