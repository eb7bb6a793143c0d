"""Rules of document 1, 三（四）: 12 days a year for members in government organs,
SOEs and public institutions, 6 for others; aged or infirm handled individually."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from branches import services as branch_services
from branches.models import OrgKind, OrgLevel, Role, Sector
from education import services
from education.models import Attendance, AttendanceStatus, YearlyTotal
from education.selectors import year_status, year_statuses
from members import services as member_services
from members.models import FlagKind, Transfer
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    return {"a": province_tree("甲", parent=root), "b": province_tree("乙", parent=root)}


@pytest.fixture
def secretary(world):
    user = ActorFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=world["a"]["branch1"])
    return user


def meeting(actor, org, day, hours="8"):
    return services.activity_create(
        actor=actor,
        organization=org,
        kind="lecture",
        title="学习党章",
        lecturer="书记",
        starts_at=datetime.datetime(2026, *day, 9, 0, tzinfo=TZ),
        hours=Decimal(hours),
    )


def attend_days(actor, org, days: int, hours="8", exceptions=None, month=3):
    for d in range(1, days + 1):
        activity = meeting(actor, org, (month, d), hours)
        services.attendance_save(actor=actor, activity=activity, exceptions=exceptions)


def test_an_soe_member_with_95_hours_is_short(world, secretary):
    member = MemberFactory(branch=world["a"]["branch1"], employer_sector=Sector.STATE_ENTERPRISE)
    attend_days(secretary, world["a"]["branch1"], 11, hours="8")
    attend_days(secretary, world["a"]["branch1"], 1, hours="7", month=4)
    status = year_status(member, 2026)
    assert status.hours == Decimal("95")
    assert status.required_days == 12
    assert status.short
    assert status.remaining_hours == Decimal("1")


def test_an_other_member_with_48_hours_complies(world, secretary):
    member = MemberFactory(branch=world["a"]["branch1"], employer_sector=Sector.RURAL)
    attend_days(secretary, world["a"]["branch1"], 6)
    status = year_status(member, 2026)
    assert (status.hours, status.required_days, status.days) == (Decimal(48), 6, Decimal("6.0"))
    assert status.compliant


def test_an_aged_member_handled_by_delivery_is_not_short(world, secretary):
    member = MemberFactory(branch=world["a"]["branch1"], employer_sector=Sector.RURAL)
    member_services.member_set_flag(actor=secretary, member=member, kind=FlagKind.AGED_INFIRM)
    activity = meeting(secretary, world["a"]["branch1"], (5, 1), "2")
    services.attendance_save(
        actor=secretary,
        activity=activity,
        exceptions={member.pk: {"status": AttendanceStatus.DELIVERED}},
    )
    status = year_status(member, 2026)
    assert status.hours == 2 and status.individual and not status.short


def test_partial_attendance_excuses_and_absences(world, secretary):
    branch = world["a"]["branch1"]
    present, partial, excused, absent = (MemberFactory(branch=branch) for _ in range(4))
    activity = meeting(secretary, branch, (6, 1), "4")
    services.attendance_save(
        actor=secretary,
        activity=activity,
        exceptions={
            partial.pk: {"hours": "1.5"},
            excused.pk: {"status": AttendanceStatus.EXCUSED, "reason": "出差"},
            absent.pk: {"status": AttendanceStatus.ABSENT},
        },
    )
    hours = dict(YearlyTotal.objects.filter(year=2026).values_list("member_id", "hours"))
    assert hours == {present.pk: 4, partial.pk: Decimal("1.5"), excused.pk: 0, absent.pk: 0}
    assert YearlyTotal.objects.get(member=absent).absences == 1

    with pytest.raises(ValidationError) as excinfo:
        services.attendance_save(
            actor=secretary,
            activity=activity,
            exceptions={excused.pk: {"status": AttendanceStatus.EXCUSED}},
        )
    assert "reason" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        services.attendance_save(
            actor=secretary, activity=activity, exceptions={partial.pk: {"hours": "5"}}
        )
    assert "hours" in excinfo.value.message_dict
    # Nothing half-saved: the first record stands.
    assert Attendance.objects.get(activity=activity, member=partial).credited_hours == Decimal(
        "1.5"
    )


def test_editing_attendance_corrects_the_total(world, secretary):
    member = MemberFactory(branch=world["a"]["branch1"])
    activity = meeting(secretary, world["a"]["branch1"], (7, 1), "3")
    services.attendance_save(actor=secretary, activity=activity)
    assert YearlyTotal.objects.get(member=member, year=2026).hours == 3
    services.attendance_save(
        actor=secretary, activity=activity, exceptions={member.pk: {"status": "absent"}}
    )
    assert YearlyTotal.objects.get(member=member, year=2026).hours == 0


def test_a_transfer_mid_year_keeps_all_hours(world, secretary):
    member = MemberFactory(branch=world["a"]["branch1"], employer_sector=Sector.RURAL)
    attend_days(secretary, world["a"]["branch1"], 3)
    receiver = ActorFactory()
    RoleAssignmentFactory(user=receiver, role=Role.SECRETARY, organization=world["b"]["branch1"])
    transfer = member_services.transfer_request(
        actor=secretary, member=member, to_branch=world["b"]["branch1"]
    )
    member_services.transfer_accept(actor=receiver, transfer=transfer)
    # Accepted at the end of June (the test runs later in the year).
    Transfer.objects.filter(pk=transfer.pk).update(
        decided_at=datetime.datetime(2026, 6, 30, 10, tzinfo=TZ)
    )
    attend_days(receiver, world["b"]["branch1"], 2, month=9)
    member.refresh_from_db()
    assert year_status(member, 2026).hours == 40


def test_a_province_override_changes_the_requirement_only_there_and_from_its_start(world):
    admin = ActorFactory(is_superuser=True)
    in_a = MemberFactory(branch=world["a"]["branch1"], employer_sector=Sector.RURAL)
    in_b = MemberFactory(branch=world["b"]["branch1"], employer_sector=Sector.RURAL)
    branch_services.policy_override_set(
        actor=admin,
        organization=world["a"]["province"],
        key="education_days_other_sectors",
        value=8,
        valid_from=datetime.date(2025, 1, 1),
    )
    assert year_status(in_a, 2025).required_days == 8
    assert year_status(in_a, 2024).required_days == 6
    assert year_status(in_b, 2025).required_days == 6


def test_only_the_branch_records_its_activities(world, secretary):
    outsider = ActorFactory()
    RoleAssignmentFactory(user=outsider, role=Role.SECRETARY, organization=world["b"]["branch1"])
    with pytest.raises(Http404):
        meeting(outsider, world["a"]["branch1"], (3, 3))
    inspector = ActorFactory()
    RoleAssignmentFactory(user=inspector, role=Role.INSPECTOR, organization=world["a"]["province"])
    with pytest.raises(PermissionDenied):
        meeting(inspector, world["a"]["branch1"], (3, 3))


def test_compliance_of_a_branch_takes_a_fixed_number_of_queries(
    world, secretary, django_assert_max_num_queries
):
    for _ in range(40):
        MemberFactory(branch=world["a"]["branch1"])
    attend_days(secretary, world["a"]["branch1"], 2)
    members = list(world["a"]["branch1"].members.select_related("branch"))
    with django_assert_max_num_queries(4):
        statuses = year_statuses(members, 2026)
    assert len(statuses) == 40 and all(s.hours == 16 for s in statuses)


def test_resaving_an_old_activity_does_not_credit_members_who_came_later(world, secretary):
    branch = world["a"]["branch1"]
    early = MemberFactory(branch=branch)
    activity = meeting(secretary, branch, (3, 2))
    services.attendance_save(actor=secretary, activity=activity)
    # Admitted after the meeting, and transferred in after it.
    admitted = MemberFactory(branch=branch, joined_on=datetime.date(2026, 5, 1))
    mover = MemberFactory(branch=world["a"]["branch2"])
    other = ActorFactory()
    RoleAssignmentFactory(user=other, role=Role.SECRETARY, organization=world["a"]["branch2"])
    transfer = member_services.transfer_request(actor=other, member=mover, to_branch=branch)
    member_services.transfer_accept(actor=secretary, transfer=transfer)
    services.attendance_save(
        actor=secretary, activity=activity, exceptions={early.pk: {"hours": "4"}}
    )
    credited = dict(activity.attendances.values_list("member_id", "credited_hours"))
    assert credited == {early.pk: Decimal(4)}
    assert year_status(admitted, 2026).hours == 0 and year_status(mover, 2026).hours == 0
    with pytest.raises(ValidationError):  # not on that day's roster
        services.attendance_save(
            actor=secretary, activity=activity, exceptions={mover.pk: {"status": "absent"}}
        )


def test_zero_credited_hours_are_refused_not_taken_as_full(world, secretary):
    member = MemberFactory(branch=world["a"]["branch1"])
    activity = meeting(secretary, world["a"]["branch1"], (3, 2))
    with pytest.raises(ValidationError) as error:
        services.attendance_save(
            actor=secretary, activity=activity, exceptions={member.pk: {"hours": "0"}}
        )
    assert "hours" in error.value.message_dict
    assert not Attendance.objects.exists()


def test_statuses_across_many_branches_take_a_fixed_number_of_queries(
    world, django_assert_num_queries
):
    from members.models import Member

    branches = [world["a"]["branch1"], world["a"]["branch2"], world["b"]["branch1"]]
    for branch in branches:
        for _ in range(3):
            MemberFactory(branch=branch)
    members = list(Member.objects.select_related("branch"))
    with django_assert_num_queries(3):  # totals, flags, policy figures
        statuses = year_statuses(members, 2026)
    assert len(statuses) == 9
    members = list(Member.objects.all())
    with django_assert_num_queries(4):  # and the branches' paths
        year_statuses(members, 2026)
