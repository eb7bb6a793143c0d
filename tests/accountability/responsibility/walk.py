"""Objects of the responsibility area for the generic URL walk (tests/test_scope_walk.py).

`add_responsibility(a, b, user)`: one row of each model owned by a["branch2"]
and b["branch1"] (out of reach of the walker, a secretary of a["branch1"])
and by a["branch1"] (in reach). Rows are made directly: the walk checks
reads and refusals, not the rules of the services."""

import datetime

from accountability.responsibility.models import (
    AccountabilityRecord,
    Commendation,
    LeadingGroup,
    LeadingGroupMeeting,
    LeadingGroupMember,
    ResponsibilityAssignment,
)
from tests.factories import MemberFactory, UserFactory

DAY = datetime.date(2026, 3, 1)


def add_rows(org, issuer, by):
    member = MemberFactory(branch=org)
    ResponsibilityAssignment.objects.create(
        organization=org, role="first", member=member, post="书记", valid_from=DAY, created_by=by
    )
    group = LeadingGroup.objects.create(
        organization=org, name="党建工作领导小组", set_up_on=DAY, created_by=by
    )
    seat = LeadingGroupMember.objects.create(
        group=group, member=member, group_role="head", post="书记", since=DAY
    )
    meeting = LeadingGroupMeeting.objects.create(
        group=group, held_on=DAY, topics="研究党建工作", decisions="按计划推进", recorded_by=by
    )
    meeting.attendees.set([seat])
    Commendation.objects.create(
        kind="excellent_member",
        year=2026,
        nominee_member=member,
        nominee_unit=org,
        nominated_by=org,
        awarded_by=issuer,
        deeds="带头服务群众",
        created_by=by,
    )
    AccountabilityRecord.objects.create(
        organization=org,
        decided_by=issuer,
        decided_on=DAY,
        failure="“三会一课”长期不落实",
        measure="talk",
        created_by=by,
    )


def add_responsibility(a, b, user):
    for org, issuer in (
        (a["branch2"], a["township"]),
        (b["branch1"], b["township"]),
        (a["branch1"], a["township"]),
    ):
        add_rows(org, issuer, user if org == a["branch1"] else UserFactory())
