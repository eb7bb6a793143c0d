"""API of the review campaigns and the party-spirit schedules."""

import pytest
from django.utils import timezone

from branches.models import OrgKind, OrgLevel, Role
from education import services
from education.models import Campaign, CampaignKind, PartySpiritSchedule
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
TODAY = timezone.localdate().isoformat()


@pytest.fixture
def tree():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    return province_tree("甲", parent=root)


@pytest.fixture
def api(client, tree):
    user = UserFactory(username="sec")
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=tree["branch1"])
    client.force_login(user)
    return client


def open_review(branch, kind=CampaignKind.DEMOCRATIC_REVIEW):
    services.campaigns_open(kind=kind, year=THIS_YEAR, branch_ids=[branch.pk])
    return Campaign.objects.get(organization=branch, kind=kind, year=THIS_YEAR)


def test_a_democratic_review_through_the_api(api, tree):
    campaign = open_review(tree["branch1"])
    member = MemberFactory(branch=tree["branch1"], name="郑一")
    leader = MemberFactory(branch=tree["branch1"], name="王二", leadership_level="county")
    url = f"/api/v1/campaigns/{campaign.pk}/"

    listed = api.get("/api/v1/campaigns/", {"year": THIS_YEAR, "kind": "democratic_review"})
    assert [c["id"] for c in listed.json()["results"]] == [campaign.pk]

    wrong_step = api.post(
        f"{url}steps/", {"step": "talks", "done_on": TODAY}, content_type="application/json"
    )
    assert wrong_step.status_code == 400 and "step" in wrong_step.json()
    for step in ("opinions", "meeting", "evaluation"):
        ok = api.post(
            f"{url}steps/", {"step": step, "done_on": TODAY}, content_type="application/json"
        )
        assert ok.status_code == 200

    patched = api.patch(
        url, {"mass_opinions": "群众意见：服务意识强"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["mass_opinions"].startswith("群众意见")
    assert api.put(url, {}, content_type="application/json").status_code == 405

    no_rating = api.post(
        f"{url}evaluations/",
        {"entries": [{"member": member.pk, "opinion": "好"}]},
        content_type="application/json",
    )
    assert no_rating.status_code == 400 and "郑一" in str(no_rating.json()["rating"])
    saved = api.post(
        f"{url}evaluations/",
        {
            "entries": [
                {"member": member.pk, "rating": "qualified"},
                {"member": leader.pk, "rating": "excellent", "leader_analysis": "正确政绩观"},
            ]
        },
        content_type="application/json",
    )
    assert saved.status_code == 200
    body = saved.json()
    assert {e["member_name"]: e["rating"] for e in body["evaluations"]} == {
        "郑一": "qualified",
        "王二": "excellent",
    }
    assert body["steps_required"] == ["opinions", "meeting", "evaluation"]
    closed = api.post(f"{url}close/")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["complete"] is True


def test_closing_an_incomplete_campaign_names_what_is_missing(api, tree):
    campaign = open_review(tree["branch1"])
    MemberFactory(branch=tree["branch1"], name="冯三")
    response = api.post(f"/api/v1/campaigns/{campaign.pk}/close/")
    assert response.status_code == 400
    assert "冯三" in str(response.json()["evaluations"]) and "steps" in response.json()


def test_another_branchs_campaign_is_404_in_the_api(api, tree):
    other = open_review(tree["branch2"])
    url = f"/api/v1/campaigns/{other.pk}/"
    assert api.get(url).status_code == 404
    assert (
        api.patch(url, {"mass_opinions": "x"}, content_type="application/json").status_code == 404
    )
    for action in ("steps", "evaluations", "close"):
        assert api.post(f"{url}{action}/").status_code == 404
    assert api.get("/api/v1/campaigns/", {"organization": tree["branch2"].pk}).json()["count"] == 0


def test_the_campaign_list_has_a_bounded_number_of_queries(
    api, tree, django_assert_max_num_queries
):
    branches = [
        OrganizationFactory(parent=tree["township"], kind=OrgKind.BRANCH, level=OrgLevel.VILLAGE)
        for _ in range(10)
    ]
    services.campaigns_open(
        kind="democratic_review", year=THIS_YEAR, branch_ids=[b.pk for b in branches]
    )
    staff = UserFactory(username="staff")
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=tree["county"])
    api.force_login(staff)
    with django_assert_max_num_queries(8):
        response = api.get("/api/v1/campaigns/")
    assert response.json()["count"] == 10


def test_schedules_through_the_api(client, tree):
    staff = UserFactory(username="city")
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=tree["city"])
    client.force_login(staff)
    url = "/api/v1/party-spirit-schedules/"
    below = client.post(
        url, {"committee": tree["township"].pk, "year": THIS_YEAR}, content_type="application/json"
    )
    assert below.status_code == 400 and "committee" in below.json()
    created = client.post(
        url,
        {"committee": tree["city"].pk, "year": THIS_YEAR, "notes": "全市集中开展"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert Campaign.objects.filter(kind="party_spirit").count() == 3
    clash = client.post(
        url,
        {"committee": tree["county"].pk, "year": THIS_YEAR + 4},
        content_type="application/json",
    )
    assert clash.status_code == 400 and str(THIS_YEAR) in str(clash.json()["year"])
    assert [s["year"] for s in client.get(url).json()["results"]] == [THIS_YEAR]
    # Another province's committee is 404.
    other = province_tree("乙", parent=tree["province"].parent)
    outside = client.post(
        url, {"committee": other["city"].pk, "year": THIS_YEAR}, content_type="application/json"
    )
    assert outside.status_code == 404
    assert PartySpiritSchedule.objects.count() == 1
