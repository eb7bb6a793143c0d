"""Objects of outreach care for tests/test_scope_walk.py."""

import datetime

from members.models import Member
from outreach.models import (
    CareRecord,
    Household,
    Pairing,
    PairingVisit,
    VolunteerRecord,
)
from tests.factories import MemberFactory

DAY = datetime.date(2026, 3, 1)


def add_care(a, b, user):
    """A household, a pairing with a visit, a volunteering record and a care
    record in a["branch2"] and b["branch1"] (outside the walker's reach) and
    in a["branch1"] (inside). The organisation pages (pairings, volunteering,
    volunteering export, care) take the organisation's id."""
    for org in (a["branch2"], b["branch1"], a["branch1"]):
        member = Member.objects.filter(branch=org).first() or MemberFactory(branch=org)
        household = Household.objects.create(
            organization=org,
            head_name="困难户",
            locality="某村",
            difficulty="因病致贫",
            contact="13800000000",
            consent_on=DAY,
            created_by=user,
        )
        pairing = Pairing.objects.create(
            member=member, household=household, branch=org, started_on=DAY, created_by=user
        )
        PairingVisit.objects.create(pairing=pairing, on=DAY, help_given="走访", recorded_by=user)
        VolunteerRecord.objects.create(
            member=member,
            branch=org,
            kind="environment",
            on=DAY,
            hours=2,
            description="清扫",
            recorded_by=user,
        )
        CareRecord.objects.create(
            member=member, branch=org, kind="visit", on=DAY, support="慰问", recorded_by=user
        )


def care_world():
    """Two provinces; the secretary of a["branch1"], the secretary of b["branch1"],
    an inspector of province a, a member of a["branch1"] with a login, an aged
    member and a member in hardship."""
    from branches.models import OrgKind, OrgLevel, Role
    from members.models import MemberFlag
    from tests.factories import (
        OrganizationFactory,
        RoleAssignmentFactory,
        UserFactory,
        province_tree,
    )

    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    b = province_tree("乙", parent=root)
    users = {}
    for name, role, org in [
        ("secretary", Role.SECRETARY, a["branch1"]),
        ("other", Role.SECRETARY, b["branch1"]),
        ("neighbour", Role.SECRETARY, a["branch2"]),
        ("inspector", Role.INSPECTOR, a["province"]),
        ("member", Role.MEMBER, a["branch1"]),
    ]:
        users[name] = UserFactory(username=f"care_{name}")
        RoleAssignmentFactory(user=users[name], role=role, organization=org)
    member = MemberFactory(branch=a["branch1"], name="赵帮扶", full=True, user=users["member"])
    able = MemberFactory(branch=a["branch1"], name="钱能干", full=True)
    aged = MemberFactory(branch=a["branch1"], name="孙老人", full=True)
    poor = MemberFactory(branch=a["branch1"], name="李困难", full=True)
    other_member = MemberFactory(branch=b["branch1"], name="周外省", full=True)
    set_by = users["secretary"]
    MemberFlag.objects.create(member=aged, kind="aged_infirm", set_on=DAY, set_by=set_by)
    MemberFlag.objects.create(member=poor, kind="hardship", set_on=DAY, set_by=set_by)
    return {
        "a": a,
        "b": b,
        "u": users,
        "member": member,
        "able": able,
        "aged": aged,
        "poor": poor,
        "other_member": other_member,
    }
