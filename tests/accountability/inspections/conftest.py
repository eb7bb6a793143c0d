import datetime

import pytest
from django.utils import timezone

from accountability.inspections import services
from branches.models import OrgKind, OrgLevel, Role, Sector
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)


@pytest.fixture
def spot():
    """Two provinces; province A has a second city with a community branch of 12 members.

    Users: staff (org_staff of province A), staff_b (of province B), inspector
    (no role at all), secretary (of a["branch1"])."""
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("川", parent=root)
    b = province_tree("浙", parent=root)
    city2 = OrganizationFactory(
        name="川二市", parent=a["province"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CITY
    )
    community = OrganizationFactory(
        name="川二市社区支部",
        parent=city2,
        kind=OrgKind.BRANCH,
        level=OrgLevel.VILLAGE,
        sector=Sector.COMMUNITY,
    )
    dissolved = OrganizationFactory(
        name="川撤销支部",
        parent=city2,
        kind=OrgKind.BRANCH,
        level=OrgLevel.VILLAGE,
        sector=Sector.COMMUNITY,
        dissolved=datetime.date(2025, 1, 1),
    )
    members = {
        a["branch1"]: [MemberFactory(branch=a["branch1"]) for _ in range(3)],
        a["branch2"]: [MemberFactory(branch=a["branch2"]) for _ in range(2)],
        community: [MemberFactory(branch=community) for _ in range(12)],
        b["branch1"]: [MemberFactory(branch=b["branch1"])],
    }
    users = {}
    for name, role, org in [
        ("staff", Role.ORG_STAFF, a["province"]),
        ("staff_b", Role.ORG_STAFF, b["province"]),
        ("secretary", Role.SECRETARY, a["branch1"]),
        ("inspector", None, None),
    ]:
        users[name] = UserFactory(username=f"spot_{name}")
        if role:
            RoleAssignmentFactory(user=users[name], role=role, organization=org)
    return {
        "a": a,
        "b": b,
        "city2": city2,
        "community": community,
        "dissolved": dissolved,
        "members": members,
        "u": users,
    }


def define(spot, **kwargs):
    today = timezone.localdate()
    values = {
        "actor": spot["u"]["staff"],
        "organizing_org": spot["a"]["province"],
        "year": today.year,
        "title": "年度基层党建随机抽查",
        "branch_sample": 2,
        "members_per_branch": 2,
        "period_start": today,
        "period_end": today + datetime.timedelta(days=30),
        "inspectors": [spot["u"]["inspector"]],
    }
    values.update(kwargs)
    return services.spot_check_define(**values)
