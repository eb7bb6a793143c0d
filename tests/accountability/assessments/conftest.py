import datetime
from decimal import Decimal

import pytest

from accountability.assessments import services
from branches.models import OrgKind, OrgLevel, Role
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    province_tree,
)

YEAR = datetime.date.today().year - 1


@pytest.fixture
def world():
    """Two provinces; the city of province a assesses its two counties.

    Users: city (org staff of the city: the assessor), county (org staff of
    the assessed county), county2 (org staff of the sibling county),
    other_province, secretary (of a branch), county_secretary (secretary of
    a["county"], a member of a["branch1"])."""
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("川", parent=root)
    b = province_tree("浙", parent=root)
    county2 = OrganizationFactory(
        name="川二县", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    branch3 = OrganizationFactory(name="川二县支部", parent=county2)
    users = {}
    for name, role, org in [
        ("city", Role.ORG_STAFF, a["city"]),
        ("county", Role.ORG_STAFF, a["county"]),
        ("county2", Role.ORG_STAFF, county2),
        ("other_province", Role.ORG_STAFF, b["city"]),
        ("secretary", Role.SECRETARY, a["branch1"]),
        ("county_secretary", Role.SECRETARY, a["county"]),
    ]:
        users[name] = ActorFactory(username=f"assess_{name}")
        RoleAssignmentFactory(user=users[name], role=role, organization=org)
    county_secretary = MemberFactory(
        branch=a["branch1"], user=users["county_secretary"], name="王书记", full=True
    )
    for _ in range(3):
        MemberFactory(branch=a["branch1"], full=True)
    MemberFactory(branch=a["branch2"])
    MemberFactory(branch=branch3)
    return {
        "a": a,
        "b": b,
        "county2": county2,
        "branch3": branch3,
        "u": users,
        "county_secretary": county_secretary,
    }


def make_scheme(world, *, publish=True, target=Decimal(10), manual_weight=Decimal(60)):
    """A city scheme: "members" computed (40 points, target 10) and a manual indicator."""
    city = world["a"]["city"]
    actor = world["u"]["city"]
    scheme = services.scheme_create(actor=actor, organization=city, year=YEAR, title="年度考核")
    services.indicator_add(
        actor=actor,
        scheme=scheme,
        name="党员队伍",
        kind="computed",
        weight=Decimal(100) - manual_weight,
        figure_key="members",
        target=target,
    )
    services.indicator_add(
        actor=actor, scheme=scheme, name="书记抓党建", kind="manual", weight=manual_weight
    )
    if publish:
        services.scheme_publish(actor=actor, scheme=scheme)
    scheme.refresh_from_db()
    return scheme
