"""The URL-walk objects (walk.add_inspections) put exactly one check in reach."""

import pytest
from django.urls import reverse

from accountability.inspections.models import Inspection, SpotCheck
from branches.models import Role
from tests.factories import OrganizationFactory, RoleAssignmentFactory, UserFactory, province_tree

from .walk import add_inspections

pytestmark = pytest.mark.django_db


def test_walk_objects_put_one_check_in_reach(client):
    root = OrganizationFactory(kind="local_committee", level="central")
    a = province_tree("甲", parent=root)
    b = province_tree("乙", parent=root)
    walker = UserFactory()
    RoleAssignmentFactory(user=walker, role=Role.SECRETARY, organization=a["branch1"])
    add_inspections(a, b, walker)
    client.force_login(walker)
    own = SpotCheck.objects.get(organizing_org=a["county"])
    other = SpotCheck.objects.get(organizing_org=b["county"])
    assert client.get(reverse("inspections:spot_check", args=[own.pk])).status_code == 200
    unit = own.units.get()
    assert client.get(reverse("inspections:unit", args=[unit.pk])).status_code == 200
    assert client.get(reverse("inspections:spot_check", args=[other.pk])).status_code == 404
    assert client.get(reverse("inspections:unit", args=[other.units.get().pk])).status_code == 404
    assert client.get(reverse("inspections:report_pdf", args=[own.pk])).status_code == 200
    own_i = Inspection.objects.get(organizing_org=a["township"])
    other_i = Inspection.objects.get(organizing_org=b["county"])
    assert client.get(reverse("inspections:inspection", args=[own_i.pk])).status_code == 200
    assert client.get(reverse("inspections:inspection", args=[other_i.pk])).status_code == 404
    assert client.get(reverse("branches:detail", args=[a["branch2"].pk])).status_code == 404
