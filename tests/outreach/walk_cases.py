"""Objects of outreach cases for the generic URL walk (tests/test_scope_walk.py).

`add_cases(a, b, user)`: a service station, a reception slot (with its leader)
and a case in a["branch2"] and b["branch1"] (out of reach of the walker, a
secretary of a["branch1"]) and in a["branch1"] (in reach)."""

import datetime

from branches.models import Role
from outreach.models import Case, ReceptionSlot, ServiceStation
from tests.factories import MemberFactory, RoleAssignmentFactory, UserFactory

START = datetime.datetime(2026, 3, 5, 9, tzinfo=datetime.UTC)


def add_cases(a, b, user):
    for org in (a["branch2"], b["branch1"], a["branch1"]):
        handler = user
        if org != a["branch1"]:
            handler = UserFactory()
            RoleAssignmentFactory(user=handler, role=Role.SECRETARY, organization=org)
        station = ServiceStation.objects.create(
            organization=org,
            kind="station",
            name=f"{org.name}党员服务站",
            address="村委会一楼",
            services="代办证明、政策咨询",
            opening_hours="周一至周五 9:00-17:00",
        )
        leader = MemberFactory(branch=org, full=True, leadership_level="county")
        slot = ReceptionSlot.objects.create(
            organization=org,
            leader=leader,
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=3),
            place="县信访接待室",
        )
        for channel, extra in (
            ("reception", {"reception": slot}),
            ("station", {"station": station}),
        ):
            Case.objects.create(
                organization=org,
                channel=channel,
                received_on=datetime.date(2026, 3, 5),
                requester_name="王大妈",
                requester_contact="13900000000",
                request="小区路灯坏了",
                handler=handler,
                feedback_due=datetime.date(2026, 3, 20),
                created_by=handler,
                **extra,
            )


def cases_world():
    """Two provinces, a second county, and the users the case tests need."""
    from branches.models import OrgKind, OrgLevel
    from tests.factories import OrganizationFactory, province_tree

    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("川", parent=root)
    b = province_tree("浙", parent=root)
    county2 = OrganizationFactory(
        name="川二县", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    branch3 = OrganizationFactory(name="川二县支部", parent=county2)
    users = {}
    for name, role, org in [
        ("secretary", Role.SECRETARY, a["branch1"]),
        ("county", Role.ORG_STAFF, a["county"]),
        ("other_county", Role.ORG_STAFF, county2),
        ("other_province", Role.SECRETARY, b["branch1"]),
        ("inspector", Role.INSPECTOR, a["province"]),
        ("member", Role.MEMBER, a["branch1"]),
    ]:
        users[name] = UserFactory(username=f"cases_{name}")
        RoleAssignmentFactory(user=users[name], role=role, organization=org)
    leader = MemberFactory(
        branch=a["branch1"], full=True, leadership_level="county", user=users["member"]
    )
    return {"a": a, "b": b, "county2": county2, "branch3": branch3, "u": users, "leader": leader}
