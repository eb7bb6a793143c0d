"""Leaders' research days (document 2, 二（五）): the yearly requirement by
level against the policies, and the rules of recording a visit."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from branches.models import Role
from members.models import Member
from outreach import selectors_research as selectors
from outreach import services_research as services
from outreach.models import ContactPoint, ResearchVisit
from tests.factories import (
    MemberFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1


def day(month, d, year=LAST_YEAR):
    return datetime.date(year, month, d)


@pytest.fixture
def world():
    a = province_tree("甲")
    b = province_tree("乙")
    staff = UserFactory()
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=a["county"])
    return {"a": a, "b": b, "staff": staff}


def leader(org, level="county", **kwargs):
    return MemberFactory(branch=org, full=True, leadership_level=level, **kwargs)


def visit(actor, member, started_on, days, **kwargs):
    kwargs.setdefault("place", "甲村")
    kwargs.setdefault("findings", "听取群众意见")
    return services.research_visit_create(
        actor=actor, leader=member, started_on=started_on, days=days, **kwargs
    )


def totals(member, year=LAST_YEAR):
    return selectors.leader_totals(Member.objects.filter(pk=member.pk), year)[0]


def test_required_days_by_level_follow_the_policies(world):
    a = world["a"]
    provincial = leader(a["branch1"], "provincial")
    city = leader(a["branch1"], "city")
    county = leader(a["branch2"], "county")
    assert totals(provincial).required == 30  # 1 month × 30 days
    assert totals(city).required == 60  # 2 months × 30 days
    assert totals(county).required == 60
    assert (totals(county).months, totals(county).days_per_month) == (2, 30)
    # A local override of the days in a month, for one branch's subtree only.
    PolicyOverrideFactory(organization=a["branch2"], key="research_days_per_month", value=20)
    assert totals(county).required == 40
    assert totals(city).required == 60
    PolicyOverrideFactory(organization=a["county"], key="research_months_provincial", value=2)
    assert totals(provincial).required == 60


def test_days_done_and_owed(world):
    staff, county = world["staff"], leader(world["a"]["branch1"])
    visit(staff, county, day(3, 1), "10")
    visit(staff, county, day(4, 1), "2.5", hardship_area=True)
    visit(staff, county, day(12, 30), "1", place="乙村")
    visit(staff, county, datetime.date(LAST_YEAR - 1, 6, 1), "5")  # another year
    row = totals(county)
    assert (row.done, row.required, row.owed, row.visits) == (
        Decimal("13.5"),
        60,
        Decimal("46.5"),
        3,
    )
    assert row.in_hardship == Decimal("2.5")
    assert row.short


def test_overlapping_days_are_refused_and_nothing_saved(world):
    staff, county = world["staff"], leader(world["a"]["branch1"])
    visit(staff, county, day(3, 1), "3")  # 1, 2 and 3 March
    with pytest.raises(ValidationError) as error:
        visit(staff, county, day(3, 3), "1")
    assert "started_on" in error.value.message_dict
    with pytest.raises(ValidationError):
        visit(staff, county, day(2, 27), "5")  # runs into 1 March
    assert ResearchVisit.objects.filter(leader=county).count() == 1
    # Two half days fit into one day; a third does not.
    visit(staff, county, day(3, 10), "0.5")
    visit(staff, county, day(3, 10), "0.5", place="乙村")
    with pytest.raises(ValidationError):
        visit(staff, county, day(3, 10), "0.5", place="丙村")
    # 2.5 days from 4 March leave the afternoon of 6 March free.
    visit(staff, county, day(3, 4), "2.5")
    visit(staff, county, day(3, 6), "0.5", place="丁村")
    assert totals(county).done == 7


def test_only_leaders_future_dates_and_bad_days_are_refused(world):
    staff, a = world["staff"], world["a"]
    plain = MemberFactory(branch=a["branch1"], full=True)
    with pytest.raises(ValidationError) as error:
        visit(staff, plain, day(3, 1), "1")
    assert "leader" in error.value.message_dict
    county = leader(a["branch1"])
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        visit(staff, county, today + datetime.timedelta(days=1), "1")
    assert "started_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        visit(staff, county, today - datetime.timedelta(days=1), "3")
    assert "days" in error.value.message_dict
    for bad in ("0", "0.3", "31.5", "-1", "abc"):
        with pytest.raises(ValidationError) as error:
            visit(staff, county, day(5, 1), bad)
        assert "days" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        visit(staff, county, day(5, 1), "1", findings=" ")
    assert "findings" in error.value.message_dict
    visit(staff, county, day(5, 1), "31")
    assert ResearchVisit.objects.count() == 1


def test_who_may_record(world):
    a, b = world["a"], world["b"]
    login = UserFactory()
    county = leader(a["branch1"], user=login)
    # The leader, for himself.
    visit(login, county, day(3, 1), "1")
    # The branch secretary may change the branch but is not the organisation department.
    secretary = UserFactory()
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    with pytest.raises(PermissionDenied):
        visit(secretary, county, day(3, 2), "1")
    # An organisation department of another province does not see the leader.
    other = UserFactory()
    RoleAssignmentFactory(user=other, role=Role.ORG_STAFF, organization=b["county"])
    with pytest.raises(Http404):
        visit(other, county, day(3, 3), "1")
    # A member may not record for another leader of the branch.
    colleague = leader(a["branch1"])
    with pytest.raises((PermissionDenied, Http404)):
        visit(login, colleague, day(3, 4), "1")
    assert ResearchVisit.objects.count() == 1


def test_contact_points(world):
    staff, a, b = world["staff"], world["a"], world["b"]
    county = leader(a["branch1"])
    point = services.contact_point_create(
        actor=staff, leader=county, organization=a["branch2"], since=day(2, 1), weak_unit=True
    )
    with pytest.raises(ValidationError) as error:
        services.contact_point_create(
            actor=staff, leader=county, organization=a["branch2"], since=day(3, 1)
        )
    assert "organization" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.contact_point_create(
            actor=staff, leader=county, organization=b["branch1"], since=day(3, 1)
        )
    assert "organization" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.contact_point_create(
            actor=staff, leader=county, organization=a["township"], since=day(3, 1), until=day(2, 1)
        )
    assert "until" in error.value.message_dict
    services.contact_point_create(
        actor=staff, leader=county, organization=a["township"], since=day(3, 1)
    )
    assert ContactPoint.objects.filter(leader=county).count() == 2
    # A visit at the contact point takes its unit as the place.
    v = visit(staff, county, day(3, 5), "2", contact_point=point, place="")
    assert v.place == a["branch2"].name
    with pytest.raises(ValidationError) as error:
        visit(staff, county, day(1, 5), "1", contact_point=point)  # before it was one
    assert "contact_point" in error.value.message_dict
    other_point = services.contact_point_create(
        actor=staff, leader=leader(a["branch2"]), organization=a["branch1"], since=day(1, 1)
    )
    with pytest.raises(ValidationError) as error:
        visit(staff, county, day(4, 5), "1", contact_point=other_point)
    assert "contact_point" in error.value.message_dict
    services.contact_point_end(actor=staff, contact_point=point, until=day(6, 30))
    with pytest.raises(ValidationError):
        visit(staff, county, day(7, 5), "1", contact_point=point)
    assert totals(county).at_contact_points == 2
