import pytest

from branches.models import OrgKind, OrgLevel, Role
from tests.factories import OrganizationFactory, RoleAssignmentFactory, UserFactory, province_tree


@pytest.fixture
def world():
    """Two provinces, a second county, and the users the rectification tests need."""
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("川", parent=root)
    b = province_tree("浙", parent=root)
    county2 = OrganizationFactory(
        name="川二县", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    branch3 = OrganizationFactory(name="川二县支部", parent=county2)
    users = {}
    for name, role, org in [
        ("county", Role.ORG_STAFF, a["county"]),
        ("secretary", Role.SECRETARY, a["branch1"]),
        ("sibling", Role.SECRETARY, a["branch2"]),
        ("other_county", Role.ORG_STAFF, county2),
        ("other_province", Role.ORG_STAFF, b["county"]),
        ("inspector", Role.INSPECTOR, a["province"]),
    ]:
        users[name] = UserFactory(username=f"rect_{name}")
        RoleAssignmentFactory(user=users[name], role=role, organization=org)
    return {"a": a, "b": b, "county2": county2, "branch3": branch3, "u": users}
