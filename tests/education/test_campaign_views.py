"""Campaign pages: the branch list, one campaign, the organisation overview."""

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import OrgKind, OrgLevel, Role
from education import services
from education.models import STEPS, Campaign, CampaignKind, Evaluation, PartySpiritSchedule
from members.models import Handling
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
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
    user = UserFactory(username="sec")
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=tree["branch1"])
    return user


def open_review(branch, kind=CampaignKind.DEMOCRATIC_REVIEW):
    services.campaigns_open(kind=kind, year=THIS_YEAR, branch_ids=[branch.pk])
    return Campaign.objects.get(organization=branch, kind=kind, year=THIS_YEAR)


def test_a_secretary_runs_a_democratic_review_in_the_browser(client, tree, secretary):
    branch = tree["branch1"]
    good = MemberFactory(branch=branch, name="钱优秀")
    bad = MemberFactory(branch=branch, name="孙不合格")
    client.force_login(secretary)
    # The organisation page and the activity list lead to the campaigns.
    campaigns_url = reverse("education:campaign_branch", args=[branch.pk])
    assert (
        campaigns_url in client.get(reverse("branches:detail", args=[branch.pk])).content.decode()
    )
    assert (
        campaigns_url
        in client.get(reverse("education:activities", args=[branch.pk])).content.decode()
    )

    started = client.post(reverse("education:campaign_start", args=[branch.pk]))
    campaign = Campaign.objects.get(organization=branch)
    assert started["Location"] == reverse("education:campaign_detail", args=[campaign.pk])
    detail_url = started["Location"]
    for step in STEPS[CampaignKind.DEMOCRATIC_REVIEW]:
        response = client.post(
            reverse("education:campaign_step", args=[campaign.pk]),
            {"step": step, "done_on": TODAY.isoformat(), "notes": "已完成"},
        )
        assert response.status_code == 302
    assert campaign.steps.count() == 3

    # One screen for the whole branch; a rating is required per row given.
    missing = client.post(detail_url, {f"opinion-{good.pk}": "表现突出"})
    assert missing.status_code == 200 and "钱优秀" in missing.content.decode()
    assert not Evaluation.objects.exists()
    saved = client.post(
        detail_url, {f"rating-{good.pk}": "excellent", f"rating-{bad.pk}": "unqualified"}
    )
    assert saved.status_code == 302

    page = client.get(detail_url).content.decode()
    assert "民主评议不合格" in page or "Unqualified in the democratic review" in page
    client.post(reverse("education:campaign_close", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == "open"

    handled = client.post(
        reverse("education:campaign_handling", args=[campaign.pk]),
        {
            "member": bad.pk,
            "stage": "criticism",
            "reason": f"民主评议不合格（{THIS_YEAR}）",
            "on": TODAY.isoformat(),
        },
    )
    assert handled["Location"] == detail_url
    assert Handling.objects.get(member=bad).reason.startswith("民主评议不合格")
    client.post(reverse("education:campaign_close", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.status == "closed" and campaign.complete


def test_handling_only_for_a_member_rated_unqualified_in_that_campaign(client, tree, secretary):
    campaign = open_review(tree["branch1"])
    member = MemberFactory(branch=tree["branch1"])
    client.force_login(secretary)
    response = client.post(
        reverse("education:campaign_handling", args=[campaign.pk]),
        {"member": member.pk, "stage": "criticism", "reason": "x", "on": TODAY.isoformat()},
    )
    assert response.status_code == 404
    assert not Handling.objects.exists()


def test_an_inspector_reads_but_cannot_write(client, tree):
    campaign = open_review(tree["branch1"])
    MemberFactory(branch=tree["branch1"], name="吴同志")
    inspector = UserFactory(username="insp")
    RoleAssignmentFactory(user=inspector, role=Role.INSPECTOR, organization=tree["province"])
    client.force_login(inspector)
    page = client.get(reverse("education:campaign_detail", args=[campaign.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "吴同志" in html
    assert reverse("education:campaign_close", args=[campaign.pk]) not in html
    assert "disabled" in html
    step = client.post(
        reverse("education:campaign_step", args=[campaign.pk]),
        {"step": "opinions", "done_on": TODAY.isoformat()},
    )
    assert step.status_code == 403
    assert not campaign.steps.exists()
    assert client.post(reverse("education:campaign_detail", args=[campaign.pk])).status_code == 403


def test_another_branchs_campaign_is_404(client, tree, secretary):
    other = open_review(tree["branch2"])
    client.force_login(secretary)
    for name in ("campaign_detail", "campaign_step", "campaign_update", "campaign_close"):
        url = reverse(f"education:{name}", args=[other.pk])
        assert client.post(url).status_code == 404, name
    assert client.get(reverse("education:campaign_detail", args=[other.pk])).status_code == 404
    assert (
        client.get(reverse("education:campaign_branch", args=[tree["branch2"].pk])).status_code
        == 404
    )


def test_the_campaign_page_has_a_bounded_number_of_queries(
    client, tree, secretary, django_assert_max_num_queries
):
    campaign = open_review(tree["branch1"], kind=CampaignKind.PARTY_SPIRIT)
    members = [
        MemberFactory(
            branch=tree["branch1"],
            name=f"党员{i:02d}",
            leadership_level="county" if i % 10 == 0 else "",
        )
        for i in range(40)
    ]
    actor = ActorFactory()
    RoleAssignmentFactory(user=actor, role=Role.SECRETARY, organization=tree["branch1"])
    services.evaluations_save(
        actor=actor,
        campaign=campaign,
        entries={
            m.pk: {"rating": "unqualified" if i < 5 else "qualified", "opinion": "意见"}
            for i, m in enumerate(members)
        },
    )
    for step in ("mobilisation", "opinions", "talks"):
        services.campaign_step_record(actor=actor, campaign=campaign, step=step, done_on=TODAY)
    client.force_login(secretary)
    url = reverse("education:campaign_detail", args=[campaign.pk])
    client.get(url)  # warm the process caches (content types), as a running server has them
    with django_assert_max_num_queries(20):
        response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200 and "党员39" in html
    assert html.count('name="leader-') == 4  # only the leading cadres get the extra field


def test_the_overview_counts_per_child_in_bounded_queries(
    client, tree, django_assert_max_num_queries
):
    county = tree["county"]
    towns = [tree["township"]] + [
        OrganizationFactory(
            parent=county, kind=OrgKind.GRASSROOTS_COMMITTEE, level=OrgLevel.TOWNSHIP, name=f"镇{i}"
        )
        for i in range(5)
    ]
    branch_ids = [
        OrganizationFactory(parent=town, kind=OrgKind.BRANCH, level=OrgLevel.VILLAGE).pk
        for town in towns
        for _ in range(3)
    ]
    services.campaigns_open(kind="democratic_review", year=THIS_YEAR, branch_ids=branch_ids)
    one = Campaign.objects.filter(organization__parent=towns[1]).first()
    services.campaign_close(actor=None, campaign=one)
    staff = UserFactory(username="county-staff")
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=county)
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("education:campaign_org", args=[county.pk]), {"year": THIS_YEAR}
        )
    assert response.status_code == 200
    rows = {o.pk: counts for o, counts in response.context["rows"]}
    assert rows[towns[1].pk][0].open == 2 and rows[towns[1].pk][0].closed == 1
    assert rows[towns[0].pk][0].open == 3  # the province_tree branches have none
    assert response.context["totals"][0].total == 18
    assert response.context["can_schedule"]


def test_county_staff_schedule_the_party_spirit_analysis_from_the_overview(client, tree):
    staff = UserFactory(username="county-staff")
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=tree["county"])
    client.force_login(staff)
    url = reverse("education:campaign_schedule", args=[tree["county"].pk])
    client.post(url, {"year": THIS_YEAR, "notes": "全县集中开展党性分析评议"})
    assert PartySpiritSchedule.objects.get().committee == tree["county"]
    assert Campaign.objects.filter(kind="party_spirit").count() == 3
    again = client.post(url, {"year": THIS_YEAR + 1}, follow=True)
    assert str(THIS_YEAR) in again.content.decode()
    assert PartySpiritSchedule.objects.count() == 1
    # Below county level there is no form.
    page = client.get(reverse("education:campaign_org", args=[tree["township"].pk]))
    assert not page.context["can_schedule"]
