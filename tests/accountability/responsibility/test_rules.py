"""Document 4's responsibility system: 第一责任人/直接责任人 one at a time with
history kept, the leading group and its meetings, 创先争优 awarded only by an
organisation above and never twice, accountability decided from above."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accountability.responsibility import services
from accountability.responsibility.models import (
    AccountabilityRecord,
    Commendation,
    LeadingGroupMeeting,
    ResponsibilityAssignment,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def start(world, member, role="first", org=None, actor="county", **kwargs):
    fields = {"post": "县委书记", "valid_from": TODAY - 100 * DAY}
    fields.update(kwargs)
    return services.assignment_start(
        actor=world["u"][actor],
        organization=org or world["a"]["county"],
        role=role,
        member=member,
        **fields,
    )


def test_a_new_first_responsible_person_ends_the_old_term_and_keeps_it(world, people):
    old = start(world, people["li"])
    new = start(world, people["wang"], valid_from=TODAY - 10 * DAY)
    old.refresh_from_db()
    assert old.valid_to == TODAY - 11 * DAY and old.ended_by == world["u"]["county"]
    assert new.valid_to is None
    rows = ResponsibilityAssignment.objects.filter(organization=world["a"]["county"], role="first")
    assert rows.count() == 2 and rows.filter(valid_to__isnull=True).get() == new
    # The successor cannot start before the current holder did.
    with pytest.raises(ValidationError) as error:
        start(world, people["zhao"], valid_from=TODAY - 20 * DAY)
    assert "valid_from" in error.value.message_dict


def test_the_database_allows_one_open_first_and_direct_person(world, people):
    first = start(world, people["li"])
    start(world, people["wang"], role="direct", post="组织部长")
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponsibilityAssignment.objects.create(
            organization=first.organization,
            role="first",
            member=people["zhao"],
            post="书记",
            valid_from=TODAY,
            created_by=world["u"]["county"],
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # the period check
        ResponsibilityAssignment.objects.create(
            organization=first.organization,
            role="shared",
            member=people["sun"],
            post="常委",
            valid_from=TODAY,
            valid_to=TODAY - DAY,
            created_by=world["u"]["county"],
        )
    # Several members share (一岗双责); each says what they answer for.
    with pytest.raises(ValidationError) as error:
        start(world, people["zhao"], role="shared", post="宣传部长")
    assert "duties" in error.value.message_dict
    start(world, people["zhao"], role="shared", post="宣传部长", duties="党员教育")
    start(world, people["sun"], role="shared", post="纪委书记", duties="问责")
    with pytest.raises(ValidationError) as error:  # one responsibility per person
        start(world, people["sun"], role="shared", post="纪委书记", duties="问责")
    assert "member" in error.value.message_dict


def test_who_may_name_the_responsible_persons(world, people):
    a = world["a"]
    with pytest.raises(Http404):  # a branch secretary does not see the county
        start(world, people["li"], actor="secretary")
    with pytest.raises(Http404):  # another county's staff
        start(world, people["li"], actor="other_county")
    with pytest.raises(PermissionDenied):  # the inspector only views
        start(world, people["li"], actor="inspector")
    with pytest.raises(ValidationError) as error:  # a member of another county
        start(world, people["outsider"])
    assert "member" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # a township committee is not a local committee
        start(world, people["li"], org=a["township"])
    assert "organization" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        start(world, people["li"], valid_from=TODAY + DAY)
    assert "valid_from" in error.value.message_dict
    assert ResponsibilityAssignment.objects.count() == 0


def test_ending_keeps_the_row(world, people):
    row = start(world, people["li"])
    with pytest.raises(ValidationError) as error:
        services.assignment_end(
            actor=world["u"]["county"], assignment=row, valid_to=TODAY - 200 * DAY
        )
    assert "valid_to" in error.value.message_dict
    services.assignment_end(actor=world["u"]["county"], assignment=row)
    row.refresh_from_db()
    assert row.valid_to == TODAY
    with pytest.raises(ValidationError):
        services.assignment_end(actor=world["u"]["county"], assignment=row)
    # Now a new first responsible person may start the same day.
    assert start(world, people["wang"], valid_from=TODAY).valid_to is None


def test_leading_group_one_head_and_meetings_of_its_members(world, people):
    county = world["u"]["county"]
    group = services.group_set_up(
        actor=county, organization=world["a"]["county"], set_up_on=TODAY - 30 * DAY
    )
    assert "党建工作领导小组" in str(group)
    with pytest.raises(ValidationError):
        services.group_set_up(actor=county, organization=world["a"]["county"], set_up_on=TODAY)
    head = services.group_member_add(
        actor=county, group=group, member=people["li"], group_role="head", post="书记"
    )
    with pytest.raises(ValidationError) as error:
        services.group_member_add(
            actor=county, group=group, member=people["wang"], group_role="head", post="副书记"
        )
    assert "group_role" in error.value.message_dict
    deputy = services.group_member_add(
        actor=county,
        group=group,
        member=people["wang"],
        group_role="deputy_head",
        post="副书记",
        since=TODAY - 10 * DAY,
    )
    with pytest.raises(ValidationError) as error:
        services.group_member_add(
            actor=county, group=group, member=people["outsider"], group_role="member", post="x"
        )
    assert "member" in error.value.message_dict
    meeting = services.meeting_record(
        actor=county,
        group=group,
        held_on=TODAY,
        topics="研究整顿",
        decisions="确定整顿对象",
        attendees=[head, deputy],
    )
    assert set(meeting.attendees.all()) == {head, deputy}
    services.group_member_remove(actor=county, seat=deputy, until=TODAY - DAY)
    with pytest.raises(ValidationError) as error:  # no longer in the group that day
        services.meeting_record(
            actor=county,
            group=group,
            held_on=TODAY,
            topics="x",
            decisions="y",
            attendees=[deputy],
        )
    assert "attendees" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.meeting_record(
            actor=county, group=group, held_on=TODAY, topics="", decisions="y", attendees=[head]
        )
    assert "topics" in error.value.message_dict
    with pytest.raises(Http404):
        services.meeting_record(
            actor=world["u"]["secretary"],
            group=group,
            held_on=TODAY,
            topics="x",
            decisions="y",
            attendees=[head],
        )
    assert LeadingGroupMeeting.objects.count() == 1


def nominate(world, people, awarder, kind="excellent_member", nominee="li", **kwargs):
    fields = {"year": TODAY.year, "deeds": "服务群众", "nominated_by": world["a"]["county"]}
    if kind == "advanced_org":
        fields["nominee_org"] = kwargs.pop("org", world["a"]["branch1"])
    else:
        fields["nominee_member"] = people[nominee]
    fields.update(kwargs)
    actor = kwargs.pop("actor", None)
    fields.pop("actor", None)
    return services.commendation_nominate(
        actor=world["u"][actor or "county"], awarded_by=awarder, kind=kind, **fields
    )


def test_a_commendation_is_awarded_by_an_organisation_above_and_once(world, people):
    a, u = world["a"], world["u"]
    with pytest.raises(ValidationError) as error:  # the sibling branch is not above
        nominate(world, people, a["branch2"])
    assert "awarded_by" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # nor the nominee's own branch
        nominate(world, people, a["branch1"])
    assert "awarded_by" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # outside the nominating county
        nominate(world, people, a["city"], nominee="outsider")
    assert "nominee_member" in error.value.message_dict
    to_county = nominate(world, people, a["county"])
    to_city = nominate(world, people, a["city"])
    with pytest.raises(ValidationError):  # the same nomination twice to the same organisation
        nominate(world, people, a["city"])
    services.commendation_award(actor=u["county"], commendation=to_county)
    to_county.refresh_from_db()
    assert to_county.status == "awarded" and to_county.decided_on == TODAY
    assert to_county.decided_by == u["county"]
    # The city finds it already awarded this year: refused, nothing saved.
    city_staff = u["inspector"]  # views the city, may not change it
    with pytest.raises(PermissionDenied):
        services.commendation_award(actor=city_staff, commendation=to_city)
    with pytest.raises(PermissionDenied):  # the nominating county may not decide for the city
        services.commendation_award(actor=u["county"], commendation=to_city)
    from branches.models import Role
    from tests.factories import RoleAssignmentFactory, UserFactory

    city_user = UserFactory()
    RoleAssignmentFactory(user=city_user, role=Role.ORG_STAFF, organization=a["city"])
    with pytest.raises(ValidationError) as error:
        services.commendation_award(actor=city_user, commendation=to_city)
    assert "status" in error.value.message_dict
    to_city.refresh_from_db()
    assert to_city.status == "nominated"
    with pytest.raises(ValidationError) as error:
        services.commendation_decline(actor=city_user, commendation=to_city, note="")
    assert "note" in error.value.message_dict
    services.commendation_decline(actor=city_user, commendation=to_city, note="已获县级表彰")
    with pytest.raises(ValidationError):  # no new nomination once awarded
        nominate(world, people, a["province"])
    # Next year is another year.
    assert nominate(world, people, a["city"], year=TODAY.year - 1).status == "nominated"


def test_the_nominee_fits_the_kind(world, people):
    a = world["a"]
    with pytest.raises(ValidationError) as error:
        services.commendation_nominate(
            actor=world["u"]["county"],
            nominated_by=a["county"],
            awarded_by=a["city"],
            kind="advanced_org",
            year=TODAY.year,
            deeds="x",
            nominee_member=people["li"],
        )
    assert "nominee_org" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # a county committee is not grassroots
        nominate(world, people, a["city"], kind="advanced_org", org=a["county"])
    assert "nominee_org" in error.value.message_dict
    row = nominate(world, people, a["city"], kind="advanced_org")
    assert row.nominee_unit == a["branch1"] and row.nominee_member is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Commendation.objects.filter(pk=row.pk).update(nominee_member=people["li"])
    with pytest.raises(IntegrityError), transaction.atomic():  # awarded twice in the database
        Commendation.objects.filter(pk=row.pk).update(status="awarded", decided_on=TODAY)
        Commendation.objects.create(
            kind="advanced_org",
            year=TODAY.year,
            nominee_org=a["branch1"],
            nominee_unit=a["branch1"],
            nominated_by=a["county"],
            awarded_by=a["province"],
            deeds="x",
            status="awarded",
            decided_on=TODAY,
            created_by=world["u"]["county"],
        )
    with pytest.raises(Http404):  # a branch cannot nominate for the county
        nominate(world, people, a["city"], actor="secretary")


def test_accountability_is_decided_from_above(world, people):
    a, u = world["a"], world["u"]

    def record(actor="county", decider=None, org=None, **kwargs):
        fields = {
            "decided_on": TODAY,
            "failure": "整顿工作不力",
            "measure": "talk",
            "member": None,
        }
        fields.update(kwargs)
        return services.record_create(
            actor=u[actor],
            decided_by=decider or a["county"],
            organization=org or a["township"],
            **fields,
        )

    with pytest.raises(ValidationError) as error:
        record(org=a["county"])
    assert "organization" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(org=world["branch3"])
    assert "organization" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(measure="fine")
    assert "measure" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(member=people["outsider"])
    assert "member" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(failure=" ")
    assert "failure" in error.value.message_dict
    with pytest.raises(Http404):
        record(actor="secretary")
    row = record(member=people["zhao"], measure="circular")
    assert row.get_measure_display() and row.member == people["zhao"]
    # The township secretary's side sees the record; another county does not.
    assert AccountabilityRecord.objects.visible_to(u["secretary"]).count() == 0
    assert AccountabilityRecord.objects.visible_to(u["other_county"]).count() == 0
    assert AccountabilityRecord.objects.visible_to(u["inspector"]).count() == 1
