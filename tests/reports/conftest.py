"""A small world with roll-ups: province A (city → county → township → two
branches, a second county beside it) and province B."""

import datetime

import pytest

from branches.models import OrgKind, OrgLevel, Role
from dashboards import rollups
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

YEAR = 2025


def user_with(role, organization):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=role, organization=organization)
    return user


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def world(db):
    a = province_tree("甲")
    b = province_tree("乙")
    other_county = OrganizationFactory(
        name="甲另县", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    for _i in range(7):
        MemberFactory(branch=a["branch1"], full=True, joined_on=datetime.date(2015, 7, 1))
    for _i in range(3):
        MemberFactory(branch=a["branch2"])  # probationary
    MemberFactory(branch=b["branch1"], full=True)
    for province in (a["province"], b["province"]):
        for year in (YEAR, YEAR - 1):
            rollups.reconcile(province.pk, year)
    return {
        "a": a,
        "b": b,
        "staff": user_with(Role.ORG_STAFF, a["county"]),
        "inspector": user_with(Role.INSPECTOR, a["province"]),
        "other_county": user_with(Role.ORG_STAFF, other_county),
        "other_province": user_with(Role.ORG_STAFF, b["province"]),
        "branch_secretary": user_with(Role.SECRETARY, a["branch1"]),
        "member": user_with(Role.MEMBER, a["county"]),
    }


@pytest.fixture
def queued(monkeypatch):
    """The (report id, generation) pairs sent to the broker."""
    from reports import tasks

    calls = []
    monkeypatch.setattr(
        tasks.build_year_end_report, "delay", lambda *args: calls.append(tuple(args))
    )
    return calls
