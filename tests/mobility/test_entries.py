"""Entries on the certificate and the certificate number as a guest look-up
(document 3, 二（二）4: the inflow organisation records organisational life)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.models import GrantExpiry, OrgKind, OrgLevel, Role
from education import selectors as education_selectors
from education import services as education_services
from education.models import YearlyTotal
from mobility import selectors, services
from mobility.models import Certificate
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("川", parent=root)
    b = province_tree("浙", parent=root)
    users = {}
    for name, role, org in [
        ("outflow", Role.SECRETARY, a["branch1"]),
        ("committee", Role.SECRETARY, a["township"]),
        ("inflow", Role.SECRETARY, b["branch1"]),
        ("other_b", Role.SECRETARY, b["branch2"]),
    ]:
        users[name] = UserFactory(username=name)
        RoleAssignmentFactory(user=users[name], role=role, organization=org)
    member = MemberFactory(branch=a["branch1"], name="王流动", full=True)
    episode = services.episode_create(
        actor=users["outflow"],
        member=member,
        reason="employment",
        destination_region="浙江省杭州市",
        contact="13900000000",
        reported_on=TODAY - datetime.timedelta(days=25),
        started_on=TODAY - datetime.timedelta(days=20),
    )
    cert = services.certificate_request(actor=users["outflow"], episode=episode)
    services.certificate_stamp(actor=users["committee"], certificate=cert)
    cert = services.certificate_issue(actor=users["outflow"], certificate=cert)
    cert = services.certificate_check_in(
        actor=users["inflow"],
        number=cert.number,
        code=cert.verification_code,
        inflow_organization=b["branch1"],
        basis="employer",
    )
    # Checked in a fortnight ago: entries of the last days come after it.
    Certificate.objects.filter(pk=cert.pk).update(
        checked_in_at=timezone.now() - datetime.timedelta(days=15)
    )
    cert.refresh_from_db()
    activity = education_services.activity_create(
        actor=users["inflow"],
        organization=b["branch1"],
        kind="lecture",
        title="流入地党课",
        lecturer="书记",
        starts_at=timezone.now() - datetime.timedelta(hours=3),
        hours=Decimal("2"),
    )
    return {"a": a, "b": b, "u": users, "member": member, "cert": cert, "activity": activity}


def test_the_certificate_number_finds_the_member_as_a_guest(world):
    found = education_selectors.guest_candidates(
        world["u"]["inflow"], world["cert"].number, activity=world["activity"]
    )
    assert list(found) == [world["member"]]
    # Another branch of the inflow province finds nobody with the same number.
    assert not education_selectors.guest_candidates(world["u"]["other_b"], world["cert"].number)


def test_a_checked_in_member_is_a_valid_guest_even_after_the_grant_expired(world):
    GrantExpiry.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    member = education_selectors.resolve_guest(world["u"]["inflow"], world["member"].pk)
    assert member == world["member"]
    education_services.attendance_save(
        actor=world["u"]["inflow"], activity=world["activity"], guests={member.pk: {}}
    )
    assert YearlyTotal.objects.get(member=member, year=TODAY.year).hours == 2
    # Not for another branch of the inflow province.
    with pytest.raises(ValidationError) as error:
        education_selectors.resolve_guest(world["u"]["other_b"], world["member"].pk)
    assert str(world["member"].pk) in error.value.message_dict["guests"][0]


def test_after_the_return_the_number_no_longer_finds_the_member(world):
    services.certificate_return(
        actor=world["u"]["outflow"], certificate=world["cert"], returned_on=TODAY
    )
    assert not education_selectors.guest_candidates(world["u"]["inflow"], world["cert"].number)
    with pytest.raises(ValidationError):
        education_selectors.resolve_guest(world["u"]["inflow"], world["member"].pk)


def test_an_org_life_entry_can_link_the_activity_and_shows_in_the_timeline(world):
    entry = services.entry_org_life(
        actor=world["u"]["inflow"],
        certificate=world["cert"],
        on=TODAY,
        activity=world["activity"],
    )
    assert entry.activity == world["activity"] and entry.organization == world["b"]["branch1"]
    services.entry_dues(
        actor=world["u"]["inflow"],
        certificate=world["cert"],
        period_start=TODAY.replace(day=1),
        months=1,
        amount=Decimal("15.50"),
        paid_on=TODAY,
    )
    timeline = selectors.episode_timeline(world["cert"].episode)
    kinds = [row["kind"] for row in timeline]
    assert kinds[:2] == ["reported", "left"]
    for kind in ("requested", "stamped", "issued", "checked_in", "org_life", "dues"):
        assert kind in kinds
    assert [row["on"] for row in timeline] == sorted(row["on"] for row in timeline)


def test_an_entry_in_the_future_or_without_content_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.entry_org_life(
            actor=world["u"]["inflow"],
            certificate=world["cert"],
            on=TODAY + datetime.timedelta(days=2),
            description="学习",
        )
    assert "on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.entry_org_life(actor=world["u"]["inflow"], certificate=world["cert"], on=TODAY)
    assert "description" in error.value.message_dict


def test_the_timeline_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for i in range(5):
        services.entry_org_life(
            actor=world["u"]["inflow"],
            certificate=world["cert"],
            on=TODAY - datetime.timedelta(days=i),
            description=f"学习{i}",
        )
    with django_assert_max_num_queries(6):
        rows = selectors.episode_timeline(world["cert"].episode)
    assert sum(r["kind"] == "org_life" for r in rows) == 5


def test_both_sides_see_the_episode_and_others_do_not(world):
    episode = world["cert"].episode
    for name in ("outflow", "inflow", "committee"):
        assert list(selectors.episodes_visible(world["u"][name])) == [episode]
    assert not selectors.episodes_visible(world["u"]["other_b"]).exists()
