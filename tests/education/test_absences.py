"""Document 1, 四: members who miss collective education without a proper
reason get serious criticism; if they go on, organisational handling."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from branches.models import OrgKind, OrgLevel, Role
from education import services
from education.selectors import repeated_absences
from members.models import Handling, HandlingStage
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))
YEAR = 2026


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    return {"a": province_tree("甲", parent=root), "b": province_tree("乙", parent=root)}


@pytest.fixture
def branch(world):
    return world["a"]["branch1"]


@pytest.fixture
def secretary(branch):
    user = ActorFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=branch)
    return user


def meet(actor, branch, month, day, absent=(), excused=()):
    activity = services.activity_create(
        actor=actor,
        organization=branch,
        kind="branch_assembly",
        title=f"{month}月支部党员大会",
        starts_at=datetime.datetime(YEAR, month, day, 19, tzinfo=TZ),
        hours=Decimal("2"),
    )
    exceptions = {m.pk: {"status": "absent"} for m in absent}
    exceptions |= {m.pk: {"status": "excused", "reason": "出差"} for m in excused}
    services.attendance_save(actor=actor, activity=activity, exceptions=exceptions)
    return activity


def test_repeated_unexcused_absences_are_listed_excused_ones_are_not(branch, secretary):
    truant, travelling, once = (MemberFactory(branch=branch) for _ in range(3))
    MemberFactory(branch=branch)
    meet(secretary, branch, 3, 1, absent=[truant, once], excused=[travelling])
    meet(secretary, branch, 4, 1, absent=[truant], excused=[travelling])
    meet(secretary, branch, 5, 1, excused=[travelling])
    rows = repeated_absences(branch.members.all(), YEAR, threshold=2)
    assert [(r.member, r.absences, len(r.missed)) for r in rows] == [(truant, 2, 2)]
    assert rows[0].criticised_on is None and not rows[0].persists


def test_the_threshold_is_a_policy_figure(client, branch, secretary, world):
    member = MemberFactory(branch=branch)
    meet(secretary, branch, 3, 1, absent=[member])
    client.force_login(secretary)
    url = reverse("education:absences", args=[branch.pk]) + f"?year={YEAR}"
    assert member.name not in client.get(url).content.decode()
    PolicyOverrideFactory(
        organization=world["a"]["province"],
        key="unexcused_absences_repeated",
        value=1,
        valid_from=datetime.date(2020, 1, 1),
    )
    assert member.name in client.get(url).content.decode()


def test_criticism_then_handling_only_when_absences_go_on(branch, secretary):
    member = MemberFactory(branch=branch)
    meet(secretary, branch, 3, 1, absent=[member])
    meet(secretary, branch, 4, 1, absent=[member])
    # Handling before any criticism is refused.
    with pytest.raises(ValidationError) as error:
        services.absence_handling_record(
            actor=secretary,
            member=member,
            year=YEAR,
            stage=HandlingStage.DEADLINE,
            on=datetime.date(YEAR, 4, 10),
            deadline=datetime.date(YEAR, 6, 30),
        )
    assert "stage" in error.value.message_dict
    criticism = services.absence_criticism_record(
        actor=secretary, member=member, year=YEAR, on=datetime.date(YEAR, 4, 5)
    )
    assert criticism.stage == HandlingStage.CRITICISM
    assert "2" in criticism.reason and str(YEAR) in criticism.reason
    # No absence since the criticism: no handling yet.
    with pytest.raises(ValidationError, match=member.name):
        services.absence_handling_record(
            actor=secretary,
            member=member,
            year=YEAR,
            stage=HandlingStage.DEADLINE,
            on=datetime.date(YEAR, 4, 10),
            deadline=datetime.date(YEAR, 6, 30),
        )
    meet(secretary, branch, 5, 1, absent=[member])
    row = repeated_absences([member], YEAR, threshold=2)[0]
    assert (row.absences, row.since_criticism, row.persists) == (3, 1, True)
    handling = services.absence_handling_record(
        actor=secretary,
        member=member,
        year=YEAR,
        stage=HandlingStage.DEADLINE,
        on=datetime.date(YEAR, 5, 10),
        deadline=datetime.date(YEAR, 6, 30),
    )
    assert handling.deadline == datetime.date(YEAR, 6, 30)
    assert list(member.handlings.values_list("stage", flat=True)) == ["deadline", "criticism"]


def test_criticism_needs_repeated_absences(branch, secretary):
    member = MemberFactory(branch=branch)
    meet(secretary, branch, 3, 1, absent=[member])
    with pytest.raises(ValidationError) as error:
        services.absence_criticism_record(
            actor=secretary, member=member, year=YEAR, on=datetime.date(YEAR, 4, 5)
        )
    assert "member" in error.value.message_dict
    assert not Handling.objects.exists()


def test_a_secretary_of_another_branch_cannot_record(world, branch, secretary):
    member = MemberFactory(branch=branch)
    meet(secretary, branch, 3, 1, absent=[member])
    meet(secretary, branch, 4, 1, absent=[member])
    other = ActorFactory()
    RoleAssignmentFactory(user=other, role=Role.SECRETARY, organization=world["a"]["branch2"])
    with pytest.raises((PermissionDenied, Http404)):
        services.absence_criticism_record(
            actor=other, member=member, year=YEAR, on=datetime.date(YEAR, 4, 5)
        )
    assert not Handling.objects.exists()


def test_the_page_records_criticism_and_hides_other_branches(client, world, branch, secretary):
    member = MemberFactory(branch=branch)
    meet(secretary, branch, 3, 1, absent=[member])
    meet(secretary, branch, 4, 1, absent=[member])
    client.force_login(secretary)
    url = reverse("education:absences", args=[branch.pk])
    response = client.post(url, {"member": member.pk, "year": YEAR, "on": f"{YEAR}-04-05"})
    assert response.status_code == 302
    assert member.handlings.get().stage == HandlingStage.CRITICISM
    page = client.get(url, {"year": YEAR}).content.decode()
    assert "2026-04-05" in page
    # Another branch's list and a member of another branch are out of reach.
    assert (
        client.get(reverse("education:absences", args=[world["b"]["branch1"].pk])).status_code
        == 404
    )
    outsider = MemberFactory(branch=world["a"]["branch2"])
    response = client.post(url, {"member": outsider.pk, "year": YEAR, "on": f"{YEAR}-04-05"})
    assert response.status_code == 404
    assert not outsider.handlings.exists()


def test_bad_input_names_the_field(client, branch, secretary):
    client.force_login(secretary)
    member = MemberFactory(branch=branch)
    url = reverse("education:absences", args=[branch.pk])
    response = client.post(
        url, {"member": member.pk, "year": YEAR, "on": "not a date"}, follow=True
    )
    text = response.content.decode()
    assert "日期" in text
    assert not member.handlings.exists()


def test_the_list_takes_a_bounded_number_of_queries(
    client, branch, secretary, django_assert_max_num_queries
):
    members = [MemberFactory(branch=branch) for _ in range(12)]
    for month in (3, 4, 5):
        meet(secretary, branch, month, 1, absent=members)
    client.force_login(secretary)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("education:absences", args=[branch.pk]), {"year": YEAR})
    assert (
        response.content.decode().count("Record serious criticism")
        + response.content.decode().count("严肃批评")
        >= 12
    )
