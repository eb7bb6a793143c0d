"""Review campaigns, document 1, 二（二）3: the yearly democratic review of
members and the five-yearly party-spirit analysis."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from branches.models import OrgKind, OrgLevel, Role
from education import services
from education.models import (
    STEPS,
    Campaign,
    CampaignKind,
    CampaignStatus,
    CampaignStep,
    PartySpiritSchedule,
)
from members import services as member_services
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
TODAY = timezone.localdate()


@pytest.fixture
def tree():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    return province_tree("甲", parent=root)


@pytest.fixture
def secretary(tree):
    user = ActorFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=tree["branch1"])
    return user


@pytest.fixture
def org_staff(tree):
    user = ActorFactory()
    RoleAssignmentFactory(user=user, role=Role.ORG_STAFF, organization=tree["province"])
    return user


def review(branch, kind=CampaignKind.DEMOCRATIC_REVIEW, year=THIS_YEAR):
    services.campaigns_open(kind=kind, year=year, branch_ids=[branch.pk])
    return Campaign.objects.get(kind=kind, organization=branch, year=year)


def record_all_steps(actor, campaign):
    for step in STEPS[CampaignKind(campaign.kind)]:
        services.campaign_step_record(actor=actor, campaign=campaign, step=step, done_on=TODAY)


# --- Opening -------------------------------------------------------------------------


def test_opening_twice_creates_nothing_new_and_skips_committees(tree):
    ids = [tree["branch1"].pk, tree["branch2"].pk, tree["township"].pk, tree["county"].pk]
    # branches and the township's grassroots committee; the county committee is skipped
    assert services.campaigns_open(kind="democratic_review", year=THIS_YEAR, branch_ids=ids) == 3
    assert services.campaigns_open(kind="democratic_review", year=THIS_YEAR, branch_ids=ids) == 0
    assert Campaign.objects.count() == 3
    assert not Campaign.objects.filter(organization=tree["county"]).exists()
    assert set(Campaign.objects.values_list("status", flat=True)) == {CampaignStatus.OPEN}


def test_opening_a_party_spirit_analysis_and_a_review_of_the_same_year_are_two_campaigns(tree):
    ids = [tree["branch1"].pk]
    services.campaigns_open(kind="democratic_review", year=THIS_YEAR, branch_ids=ids)
    assert services.campaigns_open(kind="party_spirit", year=THIS_YEAR, branch_ids=ids) == 1


# --- Steps ---------------------------------------------------------------------------------


def test_party_spirit_steps_are_the_eight_of_the_document_in_order():
    assert [str(s) for s in STEPS[CampaignKind.PARTY_SPIRIT]] == [
        "mobilisation",
        "opinions",
        "talks",
        "self_analysis",
        "meeting",
        "evaluation",
        "rectification",
        "notification",
    ]


def test_a_democratic_review_refuses_a_party_spirit_only_step(tree, secretary):
    campaign = review(tree["branch1"])
    with pytest.raises(ValidationError) as error:
        services.campaign_step_record(
            actor=secretary, campaign=campaign, step=CampaignStep.TALKS, done_on=TODAY
        )
    assert "step" in error.value.message_dict
    assert "谈心" in str(error.value) or "Heart-to-heart" in str(error.value)


def test_a_step_cannot_be_dated_in_the_future_and_recording_again_corrects_it(tree, secretary):
    campaign = review(tree["branch1"])
    with pytest.raises(ValidationError) as error:
        services.campaign_step_record(
            actor=secretary,
            campaign=campaign,
            step=CampaignStep.OPINIONS,
            done_on=TODAY + datetime.timedelta(days=1),
        )
    assert "done_on" in error.value.message_dict
    services.campaign_step_record(
        actor=secretary, campaign=campaign, step="opinions", done_on=TODAY, notes="座谈会"
    )
    services.campaign_step_record(
        actor=secretary, campaign=campaign, step="opinions", done_on=TODAY, notes="发放征求意见表"
    )
    assert campaign.steps.get().notes == "发放征求意见表"


def test_another_branchs_secretary_cannot_record_a_step(tree, secretary):
    campaign = review(tree["branch2"])
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises((Http404, PermissionDenied)):
        services.campaign_step_record(
            actor=secretary, campaign=campaign, step="opinions", done_on=TODAY
        )
    assert not campaign.steps.exists()


def test_the_meeting_must_be_an_org_life_meeting_of_the_branch_in_the_year(tree, secretary):
    campaign = review(tree["branch1"])
    lecture = services.activity_create(
        actor=secretary,
        organization=tree["branch1"],
        kind="lecture",
        title="党课",
        lecturer="书记",
        starts_at=timezone.now(),
        hours=2,
    )
    with pytest.raises(ValidationError) as error:
        services.campaign_update(actor=secretary, campaign=campaign, meeting=lecture)
    assert "meeting" in error.value.message_dict
    meeting = services.activity_create(
        actor=secretary,
        organization=tree["branch1"],
        kind="org_life",
        title="专题组织生活会",
        starts_at=timezone.now(),
        hours=3,
    )
    services.campaign_update(
        actor=secretary, campaign=campaign, meeting=meeting, mass_opinions="群众座谈会意见"
    )
    campaign.refresh_from_db()
    assert campaign.meeting == meeting and campaign.mass_opinions == "群众座谈会意见"


# --- Evaluations ------------------------------------------------------------------------------


def test_leader_analysis_is_refused_for_a_member_who_is_not_a_leading_cadre(tree, secretary):
    campaign = review(tree["branch1"], kind=CampaignKind.PARTY_SPIRIT)
    plain = MemberFactory(branch=tree["branch1"], name="张普通")
    leader = MemberFactory(branch=tree["branch1"], name="李领导", leadership_level="county")
    with pytest.raises(ValidationError) as error:
        services.evaluations_save(
            actor=secretary,
            campaign=campaign,
            entries={plain.pk: {"opinion": "合格", "leader_analysis": "权力观剖析"}},
        )
    assert "leader_analysis" in error.value.message_dict
    assert "张普通" in str(error.value)
    assert not campaign.evaluations.exists()
    services.evaluations_save(
        actor=secretary,
        campaign=campaign,
        entries={
            leader.pk: {"opinion": "好", "leader_analysis": "从权力观、地位观和利益观方面剖析"}
        },
    )
    assert campaign.evaluations.get().leader_analysis.startswith("从权力观")


def test_a_democratic_review_needs_a_rating_and_a_member_of_the_branch(tree, secretary):
    campaign = review(tree["branch1"])
    member = MemberFactory(branch=tree["branch1"], name="王五")
    stranger = MemberFactory(branch=tree["branch2"], name="赵六")
    with pytest.raises(ValidationError) as error:
        services.evaluations_save(
            actor=secretary, campaign=campaign, entries={member.pk: {"opinion": "表现好"}}
        )
    assert "rating" in error.value.message_dict and "王五" in str(error.value)
    with pytest.raises(ValidationError) as error:
        services.evaluations_save(
            actor=secretary, campaign=campaign, entries={stranger.pk: {"rating": "qualified"}}
        )
    assert "member" in error.value.message_dict
    assert "赵六" not in str(error.value)  # not the secretary's to see
    assert str(stranger.pk) in str(error.value)
    services.evaluations_save(
        actor=secretary, campaign=campaign, entries={member.pk: {"rating": "excellent"}}
    )
    services.evaluations_save(
        actor=secretary, campaign=campaign, entries={member.pk: {"rating": "qualified"}}
    )
    assert campaign.evaluations.get().rating == "qualified"


# --- Closing -------------------------------------------------------------------------------


def test_unqualified_without_handling_keeps_the_secretary_from_closing(tree, secretary):
    campaign = review(tree["branch1"])
    good = MemberFactory(branch=tree["branch1"], name="钱优秀")
    bad = MemberFactory(branch=tree["branch1"], name="孙不合格")
    record_all_steps(secretary, campaign)
    services.evaluations_save(
        actor=secretary,
        campaign=campaign,
        entries={good.pk: {"rating": "excellent"}, bad.pk: {"rating": "unqualified"}},
    )
    with pytest.raises(ValidationError) as error:
        services.campaign_close(actor=secretary, campaign=campaign)
    assert list(error.value.message_dict) == ["handling"]
    assert "孙不合格" in str(error.value) and "钱优秀" not in str(error.value)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN

    member_services.handling_record(
        actor=secretary,
        member=bad,
        stage="criticism",
        reason=f"民主评议不合格（{THIS_YEAR}）",
        on=TODAY,
    )
    closed = services.campaign_close(actor=secretary, campaign=campaign)
    assert closed.status == CampaignStatus.CLOSED and closed.complete
    assert closed.closed_at is not None
    # Idempotent, and a closed campaign refuses writes.
    assert services.campaign_close(actor=secretary, campaign=campaign).closed_at == closed.closed_at
    with pytest.raises(ValidationError) as error:
        services.campaign_update(actor=secretary, campaign=campaign, mass_opinions="晚了")
    assert "已结束" in str(error.value)


def test_a_secretary_is_told_every_missing_step_and_member(tree, secretary):
    campaign = review(tree["branch1"])
    MemberFactory(branch=tree["branch1"], name="周未评")
    services.campaign_step_record(
        actor=secretary, campaign=campaign, step="opinions", done_on=TODAY
    )
    with pytest.raises(ValidationError) as error:
        services.campaign_close(actor=secretary, campaign=campaign)
    assert set(error.value.message_dict) == {"steps", "evaluations"}
    assert "周未评" in str(error.value)


def test_the_cycle_closes_an_incomplete_campaign_as_incomplete(tree):
    campaign = review(tree["branch1"])
    MemberFactory(branch=tree["branch1"])
    closed = services.campaign_close(actor=None, campaign=campaign)
    assert closed.status == CampaignStatus.CLOSED and not closed.complete
    assert services.campaign_close(actor=None, campaign=campaign).complete is False


def test_a_party_spirit_analysis_is_complete_with_every_step_and_every_opinion(tree, secretary):
    campaign = review(tree["branch1"], kind=CampaignKind.PARTY_SPIRIT)
    member = MemberFactory(branch=tree["branch1"])
    MemberFactory(branch=tree["branch1"], left_on=TODAY, left_reason="death")  # not current
    record_all_steps(secretary, campaign)
    services.evaluations_save(
        actor=secretary,
        campaign=campaign,
        entries={member.pk: {"self_analysis_done": True, "opinion": "党性观念强"}},
    )
    assert services.campaign_close(actor=secretary, campaign=campaign).complete


# --- Party-spirit schedules -----------------------------------------------------------------


def test_a_schedule_is_refused_below_county_level(tree, org_staff):
    with pytest.raises(ValidationError) as error:
        services.party_spirit_schedule(actor=org_staff, committee=tree["township"], year=THIS_YEAR)
    assert "committee" in error.value.message_dict
    assert not PartySpiritSchedule.objects.exists()


def test_a_schedule_of_this_year_opens_the_campaigns_of_the_subtree(tree, org_staff):
    schedule = services.party_spirit_schedule(
        actor=org_staff, committee=tree["county"], year=THIS_YEAR, notes="全县集中开展"
    )
    opened = Campaign.objects.filter(kind="party_spirit", year=THIS_YEAR)
    assert set(opened.values_list("organization", flat=True)) == {
        tree["township"].pk,
        tree["branch1"].pk,
        tree["branch2"].pk,
    }
    assert set(opened.values_list("schedule", flat=True)) == {schedule.pk}


def test_a_schedule_for_a_later_year_opens_nothing_yet(tree, org_staff):
    services.party_spirit_schedule(actor=org_staff, committee=tree["county"], year=THIS_YEAR + 2)
    assert not Campaign.objects.exists()


def test_a_schedule_within_five_years_of_an_ancestors_is_refused_at_five_accepted(tree, org_staff):
    services.party_spirit_schedule(actor=org_staff, committee=tree["city"], year=THIS_YEAR)
    with pytest.raises(ValidationError) as error:
        services.party_spirit_schedule(
            actor=org_staff, committee=tree["county"], year=THIS_YEAR + 4
        )
    assert "year" in error.value.message_dict
    assert str(THIS_YEAR) in str(error.value) and "甲市" in str(error.value)
    services.party_spirit_schedule(actor=org_staff, committee=tree["county"], year=THIS_YEAR + 5)
    assert PartySpiritSchedule.objects.count() == 2


def test_a_policy_override_of_the_interval_changes_the_refusal(tree, org_staff):
    PolicyOverrideFactory(
        organization=tree["province"],
        key="party_spirit_analysis_interval_years",
        value=3,
        valid_from=datetime.date(2020, 1, 1),
    )
    services.party_spirit_schedule(actor=org_staff, committee=tree["city"], year=THIS_YEAR)
    with pytest.raises(ValidationError):
        services.party_spirit_schedule(
            actor=org_staff, committee=tree["county"], year=THIS_YEAR + 2
        )
    services.party_spirit_schedule(actor=org_staff, committee=tree["county"], year=THIS_YEAR + 3)


def test_a_secretary_cannot_schedule_for_the_county(tree, secretary):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises((Http404, PermissionDenied)):
        services.party_spirit_schedule(actor=secretary, committee=tree["county"], year=THIS_YEAR)


def test_a_secretary_opens_this_years_review_once(tree, secretary):
    first = services.campaign_start(actor=secretary, organization=tree["branch1"], year=THIS_YEAR)
    again = services.campaign_start(actor=secretary, organization=tree["branch1"], year=THIS_YEAR)
    assert first.pk == again.pk and Campaign.objects.count() == 1
