"""Commitments and service posts for the scope walk (tests/test_scope_walk.py).

`add_commitments(a, b, user)`: for every model served by id, objects outside
the walker's reach (a["branch2"], b["branch1"]) and inside it (a["branch1"]).
The public board (outreach:board) is keyed by a signed token: skip it.
"""

import datetime

from django.core.files.base import ContentFile

from members.models import Member
from outreach.models import (
    Commitment,
    CommitmentEvaluation,
    CommitmentProgress,
    PostHolder,
    PostLog,
    ServicePost,
)
from tests.factories import MemberFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def add_commitments(a, b, user):
    day = datetime.date(2026, 3, 1)
    for org in (a["branch2"], b["branch1"], a["branch1"]):
        member = Member.objects.filter(branch=org).first() or MemberFactory(branch=org)
        commitment = Commitment.objects.create(
            member=member,
            branch=org,
            year=2026,
            content="为群众办实事",
            target_date=datetime.date(2026, 10, 1),
            status="approved",
            created_by=user,
        )
        progress = CommitmentProgress(
            commitment=commitment,
            on=day,
            note="进展",
            evidence_name="照片.png",
            evidence_type="image/png",
            recorded_by=user,
        )
        progress.evidence.save(f"walk-{org.pk}.png", ContentFile(PNG), save=False)
        progress.save()
        CommitmentEvaluation.objects.create(
            commitment=commitment, rating="satisfied", comment="好", visitor=f"walk{org.pk}"
        )
        post = ServicePost.objects.create(organization=org, title="宣传岗", duties="宣传政策")
        holder = PostHolder.objects.create(
            post=post, member=member, applied=False, status="active", since=day
        )
        PostLog.objects.create(holder=holder, on=day, note="入户宣传", recorded_by=user)


def commitments_world():
    """For the tests of this area: two provinces, a secretary of a["branch1"]
    and of b["branch1"], a member of a["branch1"] with a login, and more members."""
    from branches.models import OrgKind, OrgLevel, Role
    from tests.factories import (
        OrganizationFactory,
        RoleAssignmentFactory,
        UserFactory,
        province_tree,
    )

    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    b = province_tree("乙", parent=root)
    secretary = UserFactory(username="sec_a")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    other = UserFactory(username="sec_b")
    RoleAssignmentFactory(user=other, role=Role.SECRETARY, organization=b["branch1"])
    member_user = UserFactory(username="mem_a")
    RoleAssignmentFactory(user=member_user, role=Role.MEMBER, organization=a["branch1"])
    member = MemberFactory(
        branch=a["branch1"],
        name="赵承诺",
        user=member_user,
        phone="13912345678",
        birth_date=datetime.date(1983, 4, 5),
    )
    others = [MemberFactory(branch=a["branch1"], name=f"钱{i}号") for i in range(3)]
    outside = MemberFactory(branch=b["branch1"], name="孙外省")
    return {
        "a": a,
        "b": b,
        "secretary": secretary,
        "other": other,
        "member_user": member_user,
        "member": member,
        "others": others,
        "outside": outside,
    }
