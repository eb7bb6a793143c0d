"""The research demo: leaders with contact points and visits, one short of
the requirement; running it twice changes nothing."""

import pytest
from django.utils import timezone

from branches.models import OrgKind, OrgLevel, Role
from members.models import Member
from outreach.demo_research import LEADERS, ensure_research
from outreach.models import ContactPoint, ResearchVisit
from outreach.selectors_research import leader_totals
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_tree():
    UserFactory(username="admin", is_superuser=True, is_staff=True)
    for province, county, staff in (("ZJ", "ZJ-HZ-XH", "xh_org"), ("SC", "SC-NC-LZ", "sc_org")):
        root = OrganizationFactory(
            code=province, kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.PROVINCE
        )
        top = OrganizationFactory(
            code=county, parent=root, kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
        )
        RoleAssignmentFactory(
            user=UserFactory(username=staff), role=Role.ORG_STAFF, organization=top
        )
        codes = {c for row in LEADERS if row[0].startswith(county) for c in [row[0]]}
        codes |= {u for row in LEADERS if row[0].startswith(county) for u, _w in row[5]}
        for code in sorted(codes):
            branch = OrganizationFactory(code=code, parent=top)
            if "-JG-" in code:
                MemberFactory.create_batch(2, branch=branch, full=True)
    leader_login = UserFactory(username="xh_leader")
    MemberFactory(branch__code="unused", full=True)  # noise elsewhere
    member = Member.objects.filter(branch__code="ZJ-HZ-XH-JG-01").order_by("pk").first()
    member.user = leader_login
    member.save(update_fields=["user"])
    return member


def test_the_demo_has_leaders_short_and_met_and_is_idempotent(demo_tree):
    created = ensure_research(0)
    assert created > 20
    assert ensure_research(0) == 0
    assert ResearchVisit.objects.count() == created
    assert ContactPoint.objects.filter(weak_unit=True).count() == 3
    year = timezone.localdate().year
    rows = leader_totals(Member.objects.exclude(leadership_level=""), year)
    assert len(rows) == 3
    by_login = {r.member.user.username if r.member.user else r.member.pk: r for r in rows}
    xh = by_login["xh_leader"]
    assert xh.member.pk == demo_tree.pk and xh.member.leadership_level == "county"
    assert xh.short
    if timezone.localdate().month >= 11:  # late enough in the year to have met it
        assert sum(1 for r in rows if not r.short) == 2
