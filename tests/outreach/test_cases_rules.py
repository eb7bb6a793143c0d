"""Cases of the public (document 2, 二（六）, 三（三））: the feedback deadline from
the policy, the outcome rules, reopening, the audit trail, scope."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from outreach import services_cases as services
from outreach.models import Case
from outreach.selectors_cases import case_timeline
from tests.factories import PolicyOverrideFactory
from tests.outreach.walk_cases import cases_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world():
    return cases_world()


def new_case(world, actor=None, org=None, **kwargs):
    data = {
        "channel": "hotline",
        "received_on": TODAY - datetime.timedelta(days=2),
        "requester_name": "王秀兰",
        "requester_contact": "13800000001",
        "request": "村口道路破损，雨天积水，希望尽快修缮。",
    }
    data.update(kwargs)
    return services.case_create(
        actor=actor or world["u"]["secretary"],
        organization=org or world["a"]["branch1"],
        **data,
    )


def test_the_deadline_is_the_day_received_plus_the_policy_15_days(world):
    case = new_case(world)
    assert case.feedback_due == case.received_on + datetime.timedelta(days=15)
    assert case.status == "open" and case.handler == world["u"]["secretary"]


def test_a_local_override_of_the_feedback_days_applies_in_its_subtree(world):
    PolicyOverrideFactory(organization=world["a"]["county"], key="case_feedback_days", value=10)
    case = new_case(world)
    assert case.feedback_due == case.received_on + datetime.timedelta(days=10)
    other = new_case(world, actor=world["u"]["other_province"], org=world["b"]["branch1"])
    assert other.feedback_due == other.received_on + datetime.timedelta(days=15)


def test_the_deadline_may_be_earlier_later_only_with_a_note(world):
    received = TODAY - datetime.timedelta(days=2)
    early = new_case(world, feedback_due=received + datetime.timedelta(days=5))
    assert early.feedback_due == received + datetime.timedelta(days=5)
    before = Case.objects.count()
    with pytest.raises(ValidationError) as error:
        new_case(world, feedback_due=received + datetime.timedelta(days=20))
    assert "feedback_due" in error.value.message_dict
    assert Case.objects.count() == before
    late = new_case(
        world,
        feedback_due=received + datetime.timedelta(days=20),
        deadline_note="需协调县住建局现场勘查",
    )
    assert late.feedback_due == received + datetime.timedelta(days=20)
    assert case_timeline(late)[0]["note"] == "需协调县住建局现场勘查"


def test_every_channel_is_entered_the_same_way_with_its_source(world):
    with pytest.raises(ValidationError) as error:
        new_case(world, channel="reception")
    assert "reception" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        new_case(world, channel="station")
    assert "station" in error.value.message_dict
    for channel in ("box", "hotline", "letter", "online"):
        assert new_case(world, channel=channel).channel == channel


def test_the_handler_must_be_able_to_act_for_the_organisation(world):
    with pytest.raises(ValidationError) as error:
        new_case(world, handler=world["u"]["other_province"])
    assert "handler" in error.value.message_dict
    with pytest.raises(ValidationError):
        new_case(world, handler=world["u"]["inspector"])  # may only view
    case = new_case(world, handler=world["u"]["county"])  # the county reaches the branch
    assert case.handler == world["u"]["county"]


def test_explained_needs_the_department_that_follows_it_up(world):
    case = new_case(world)
    with pytest.raises(ValidationError) as error:
        services.case_answer(
            actor=world["u"]["secretary"],
            case=case,
            status="explained",
            outcome="需列入明年道路改造计划，已向群众解释。",
            feedback_on=TODAY,
        )
    assert "follow_up_department" in error.value.message_dict
    case.refresh_from_db()
    assert case.status == "open" and case.feedback_on is None  # nothing half-saved
    case = services.case_answer(
        actor=world["u"]["secretary"],
        case=case,
        status="explained",
        outcome="需列入明年道路改造计划，已向群众解释。",
        follow_up_department="县交通运输局",
        feedback_on=TODAY,
    )
    assert case.status == "explained" and case.follow_up_department == "县交通运输局"


def test_close_reopen_and_illegal_steps(world):
    sec = world["u"]["secretary"]
    case = new_case(world)
    with pytest.raises(ValidationError) as error:
        services.case_close(actor=sec, case=case, satisfaction="satisfied")
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_reopen(actor=sec, case=case, note="不满意")
    assert "status" in error.value.message_dict
    case = services.case_answer(
        actor=sec, case=case, status="solved", outcome="已修复路面", feedback_on=TODAY
    )
    with pytest.raises(ValidationError) as error:
        services.case_close(actor=sec, case=case, satisfaction="unsatisfied")
    assert "satisfaction" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_reopen(actor=sec, case=case, note="  ")
    assert "note" in error.value.message_dict
    case = services.case_reopen(actor=sec, case=case, note="群众反映修补后仍积水")
    assert case.status == "open" and case.satisfaction == "unsatisfied"
    assert case.feedback_on is None
    assert case.feedback_due == TODAY + datetime.timedelta(days=15)
    case = services.case_answer(
        actor=sec, case=case, status="solved", outcome="重新铺设排水沟", feedback_on=TODAY
    )
    case = services.case_close(actor=sec, case=case, satisfaction="satisfied")
    assert case.status == "closed"
    titles = [row["title"] for row in case_timeline(case)]
    assert len(titles) == 5
    notes = [row["note"] for row in case_timeline(case)]
    assert "群众反映修补后仍积水" in notes


def test_scope_other_county_gets_404_an_inspector_403(world):
    case = new_case(world)
    with pytest.raises(Http404):
        services.case_answer(
            actor=world["u"]["other_county"],
            case=case,
            status="solved",
            outcome="x",
            feedback_on=TODAY,
        )
    with pytest.raises(PermissionDenied):
        services.case_answer(
            actor=world["u"]["inspector"],
            case=case,
            status="solved",
            outcome="x",
            feedback_on=TODAY,
        )
    with pytest.raises(Http404):
        new_case(world, actor=world["u"]["other_province"])


def test_stations_and_receptions(world):
    sec = world["u"]["secretary"]
    with pytest.raises(ValidationError) as error:
        services.station_create(
            actor=sec,
            organization=world["a"]["branch1"],
            kind="station",
            name="川支部1党员服务站",
            address="",
            services="代办",
            opening_hours="9:00-17:00",
        )
    assert "address" in error.value.message_dict
    station = services.station_create(
        actor=sec,
        organization=world["a"]["branch1"],
        kind="point",
        name="农贸市场党员服务点",
        address="集贸市场东门",
        services="政策咨询、矛盾调解",
        opening_hours="逢集日 8:00-12:00",
    )
    station = services.station_update(
        actor=sec,
        station=station,
        kind="point",
        name="农贸市场党员服务点",
        address="集贸市场东门",
        services="政策咨询、矛盾调解",
        opening_hours="逢集日 8:00-12:00",
        active=False,
    )
    assert station.active is False
    start = timezone.now() + datetime.timedelta(days=3)
    plain = world["a"]["branch1"]
    from tests.factories import MemberFactory

    not_leader = MemberFactory(branch=plain, full=True)
    with pytest.raises(ValidationError) as error:
        services.reception_create(
            actor=sec,
            organization=plain,
            leader=not_leader,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            place="镇便民服务中心",
        )
    assert "leader" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.reception_create(
            actor=sec,
            organization=plain,
            leader=world["leader"],
            starts_at=start,
            ends_at=start,
            place="镇便民服务中心",
        )
    assert "ends_at" in error.value.message_dict
    slot = services.reception_create(
        actor=sec,
        organization=plain,
        leader=world["leader"],
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        place="镇便民服务中心",
    )
    case = new_case(world, channel="reception", reception=slot, received_on=TODAY)
    assert case.reception == slot
