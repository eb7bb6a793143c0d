"""Objects of leaders' research for the generic URL walk (tests/test_scope_walk.py).

`add_research(a, b, user)`: a county-level leader with a contact point and a
research visit in a["branch2"] and b["branch1"] (out of reach of the walker,
a secretary of a["branch1"]) and in a["branch1"] (in reach)."""

import datetime
from decimal import Decimal

from outreach.models import ContactPoint, ResearchVisit
from tests.factories import MemberFactory


def add_research(a, b, user):
    for org in (a["branch2"], b["branch1"], a["branch1"]):
        leader = MemberFactory(branch=org, full=True, leadership_level="county")
        point = ContactPoint.objects.create(
            leader=leader, organization=org, since=datetime.date(2025, 3, 1), weak_unit=True
        )
        ResearchVisit.objects.create(
            leader=leader,
            started_on=datetime.date(2026, 3, 2),
            days=Decimal("2.5"),
            contact_point=point,
            place=org.name,
            findings="听取群众对村道硬化的意见",
            recorded_by=user,
        )
