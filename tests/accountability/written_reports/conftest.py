import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accountability import figures
from accountability.written_reports import services
from branches.models import OrgKind, OrgLevel, Role, Sector
from tests.factories import OrganizationFactory, RoleAssignmentFactory, UserFactory, province_tree

YEAR = 2026
# The day of the tests: past the deadline of YEAR (31 January YEAR+1).
AFTER_DEADLINE = datetime.date(YEAR + 1, 2, 15)


class Clock:
    """Sets the day the services see (services.today)."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.set(AFTER_DEADLINE)

    def set(self, day: datetime.date) -> None:
        self.day = day
        self.monkeypatch.setattr(services, "today", lambda: self.day)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def _members(organization, year):
    from members.models import Member

    count = Member.objects.current().filter(branch__path__descendant_of=organization.path).count()
    return count, None


def _share_full(organization, year):
    from members.models import Member

    members = Member.objects.current().filter(branch__path__descendant_of=organization.path)
    total = members.count()
    full = members.filter(status="full").count()
    return (Decimal(full * 100) / total if total else Decimal(0)), total


@pytest.fixture(autouse=True)
def known_figures(monkeypatch):
    """A fixed registry: accountability.figures is filled concurrently, and its
    record pages are wired later; test_figures_real.py uses the real one."""
    registry = {
        "members": figures.Figure(
            key="members",
            label="党员人数",
            formula="子树内在册党员人数",
            unit="count",
            compute=_members,
            records_url=lambda org, year: reverse("branches:detail", args=[org.pk]),
        ),
        "full_share": figures.Figure(
            key="full_share",
            label="正式党员比例",
            formula="正式党员数 ÷ 在册党员数 × 100",
            unit="percent",
            compute=_share_full,
            records_url=lambda org, year: None,
        ),
    }
    monkeypatch.setattr(figures, "FIGURES", registry)
    return registry


@pytest.fixture
def world(clock):
    """Two provinces under a central committee, a second county and a department
    party group under the city of province a, and the users of both sides."""
    root = OrganizationFactory(name="中央", kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("川", parent=root)
    b = province_tree("浙", parent=root)
    county2 = OrganizationFactory(
        name="川二县", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    group = OrganizationFactory(
        name="川市教育局党组",
        parent=a["city"],
        kind=OrgKind.DEPARTMENT_GROUP,
        level=OrgLevel.CITY,
        sector=Sector.GOVERNMENT,
    )
    users = {}
    for name, role, org in [
        ("county", Role.ORG_STAFF, a["county"]),
        ("county_secretary", Role.SECRETARY, a["county"]),
        ("city", Role.ORG_STAFF, a["city"]),
        ("province", Role.ORG_STAFF, a["province"]),
        ("secretary", Role.SECRETARY, a["branch1"]),
        ("other_county", Role.ORG_STAFF, county2),
        ("other_province", Role.ORG_STAFF, b["county"]),
    ]:
        users[name] = UserFactory(username=f"wr_{name}")
        RoleAssignmentFactory(user=users[name], role=role, organization=org)
    return {"root": root, "a": a, "b": b, "county2": county2, "group": group, "u": users}


def start(world, org=None, actor="county", year=YEAR, **sections):
    report = services.report_start(
        actor=world["u"][actor], organization=org or world["a"]["county"], year=year
    )
    sections = {
        "achievements": "按期换届率100%",
        "problems": "流动党员联系不及时",
        "plans": "建立按月联系制度",
        **sections,
    }
    return services.report_update(actor=world["u"][actor], report=report, **sections)
