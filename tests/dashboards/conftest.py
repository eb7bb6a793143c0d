import datetime

import pytest
from django.utils import timezone

from branches.models import OrgKind, OrgLevel, Role
from dashboards import rollups
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    province_tree,
)

YEAR = timezone.localdate().year


@pytest.fixture
def world(db):
    """Province a (city → county → township → 2 branches, plus a second county
    with a branch) and province b; members in a's branches; roll-ups counted."""
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("川", parent=root)
    b = province_tree("浙", parent=root)
    county2 = OrganizationFactory(
        name="川二县", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    branch3 = OrganizationFactory(name="川二县支部", parent=county2)
    for _ in range(3):
        MemberFactory(branch=a["branch1"], full=True, joined_on=datetime.date(2015, 7, 1))
    MemberFactory(branch=a["branch2"])  # probationary
    MemberFactory(branch=branch3, full=True, joined_on=datetime.date(2015, 7, 1))
    MemberFactory(branch=b["branch1"], full=True, joined_on=datetime.date(2015, 7, 1))
    users = {}
    for name, role, org in [
        ("province", Role.ORG_STAFF, a["province"]),
        ("county", Role.ORG_STAFF, a["county"]),
        ("secretary", Role.SECRETARY, a["branch1"]),
        ("member", Role.MEMBER, a["branch1"]),
        ("other_county", Role.ORG_STAFF, county2),
        ("two_counties", Role.ORG_STAFF, a["county"]),
    ]:
        users[name] = ActorFactory(username=f"dash_{name}")  # logs in with force_login
        RoleAssignmentFactory(user=users[name], role=role, organization=org)
    RoleAssignmentFactory(user=users["two_counties"], role=Role.INSPECTOR, organization=county2)
    for province, year in [(a["province"], YEAR - 1), (a["province"], YEAR), (b["province"], YEAR)]:
        rollups.reconcile(province.pk, year)
    return {"a": a, "b": b, "county2": county2, "branch3": branch3, "u": users}
