import datetime

import pytest
from django.urls import reverse

from branches.models import Organization, OrgKind, OrgLevel, Role, RoleAssignment
from tests.factories import (
    GuidanceEdgeFactory,
    OrganizationFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    root = OrganizationFactory(name="中央", kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    return {
        "root": root,
        "a": province_tree("甲", parent=root),
        "b": province_tree("乙", parent=root),
    }


def login_as(client, role, org, username=None):
    user = UserFactory(username=username or f"{role}-{org.pk}")
    RoleAssignmentFactory(user=user, role=role, organization=org)
    client.force_login(user)
    return user


def test_tree_shows_a_secretary_only_their_branch(client, world):
    login_as(client, Role.SECRETARY, world["a"]["branch1"])
    html = client.get(reverse("branches:tree")).content.decode()
    assert "甲支部1" in html
    for outside in ("甲支部2", "甲镇", "乙省", "乙支部1", "中央"):
        assert outside not in html


def test_tree_shows_county_staff_their_county_with_counts(client, world):
    login_as(client, Role.ORG_STAFF, world["a"]["county"])
    html = client.get(reverse("branches:tree")).content.decode()
    assert "甲县" in html
    assert "乙" not in html
    # The county leads the township and its two branches.
    assert "领导 3 个组织" in html
    assert "2 个党支部" in html


def test_tree_children_fragment_is_lazy_and_scoped(client, world):
    login_as(client, Role.ORG_STAFF, world["a"]["county"])
    township = world["a"]["township"]
    response = client.get(reverse("branches:children", args=[township.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html, "a fragment, not a page"
    assert "甲支部1" in html and "甲支部2" in html
    outside = world["b"]["township"]
    assert client.get(reverse("branches:children", args=[outside.pk])).status_code == 404


def test_tree_page_query_count_does_not_grow_with_the_tree(
    client, world, django_assert_max_num_queries
):
    login_as(client, Role.SYSADMIN, world["root"])
    for i in range(30):
        OrganizationFactory(name=f"新支部{i}", parent=world["root"])
    with django_assert_max_num_queries(8):
        client.get(reverse("branches:tree"))
    with django_assert_max_num_queries(8):
        client.get(reverse("branches:children", args=[world["root"].pk]))


def test_detail_shows_leadership_guidance_and_local_policy(client, world):
    county = world["a"]["county"]
    login_as(client, Role.ORG_STAFF, county)
    school = OrganizationFactory(name="甲县一中党总支", parent=county, kind=OrgKind.GENERAL_BRANCH)
    GuidanceEdgeFactory(guide=world["a"]["province"], guided=school)
    PolicyOverrideFactory(organization=county, key="research_days_per_month", value=22)
    html = client.get(reverse("branches:detail", args=[school.pk])).content.decode()
    assert "甲县" in html  # led by
    assert "甲省" in html  # guided by
    assert "22" in html and "本地规定" in html
    assert "可查看本组织的人员" in html


def test_detail_of_a_branch_for_its_member(client, world):
    branch = world["a"]["branch1"]
    login_as(client, Role.MEMBER, branch)
    response = client.get(reverse("branches:detail", args=[branch.pk]))
    assert response.status_code == 200
    assert "可查看本组织的人员" not in response.content.decode()
    assert (
        client.get(reverse("branches:detail", args=[world["a"]["branch2"].pk])).status_code == 404
    )
    assert (
        client.get(reverse("branches:detail", args=[world["a"]["township"].pk])).status_code == 404
    )


def test_the_accountability_card_is_for_roles_reaching_the_subtree(client, world):
    branch = world["a"]["branch1"]
    figures = reverse("figures:overview", args=[branch.pk])
    login_as(client, Role.MEMBER, branch)
    assert figures not in client.get(reverse("branches:detail", args=[branch.pk])).text
    login_as(client, Role.SECRETARY, branch)
    assert figures in client.get(reverse("branches:detail", args=[branch.pk])).text


def test_create_child_page(client, world):
    township = world["a"]["township"]
    login_as(client, Role.ORG_STAFF, world["a"]["county"])
    url = reverse("branches:create", args=[township.pk])
    data = {
        "name": "中共新村支部委员会",
        "code": "NEW-001",
        "kind": OrgKind.BRANCH,
        "level": OrgLevel.VILLAGE,
        "sector": "rural",
        "established": "2026-07-01",
    }
    response = client.post(url, data)
    created = Organization.objects.get(code="NEW-001")
    assert response.status_code == 302
    assert created.parent == township
    assert created.path == f"{township.path}.{created.pk}"

    again = client.post(url, {**data, "name": "另一个"})
    assert again.status_code == 200
    assert "组织代码" in again.content.decode()
    assert Organization.objects.filter(code="NEW-001").count() == 1


def test_secretary_cannot_create_or_move(client, world):
    branch = world["a"]["branch1"]
    login_as(client, Role.SECRETARY, branch)
    assert client.get(reverse("branches:create", args=[branch.pk])).status_code == 403
    assert client.get(reverse("branches:move", args=[branch.pk])).status_code == 403
    assert client.get(reverse("branches:roles", args=[branch.pk])).status_code == 403


def test_move_page_refuses_a_cycle_and_moves(client, world):
    a = world["a"]
    login_as(client, Role.ORG_STAFF, a["province"])
    cycle = client.post(
        reverse("branches:move", args=[a["city"].pk]), {"parent_code": a["township"].code}
    )
    assert cycle.status_code == 200
    assert "不能移到" in cycle.content.decode()

    other_county = OrganizationFactory(name="甲二县", parent=a["city"], level=OrgLevel.COUNTY)
    moved = client.post(
        reverse("branches:move", args=[a["township"].pk]), {"parent_code": other_county.code}
    )
    assert moved.status_code == 302
    a["branch1"].refresh_from_db()
    assert a["branch1"].path.startswith(other_county.path + ".")

    outside = client.post(
        reverse("branches:move", args=[a["township"].pk]),
        {"parent_code": world["b"]["county"].code},
    )
    assert outside.status_code == 200
    assert world["b"]["county"].code in outside.content.decode()


def test_role_page_assigns_and_ends_roles(client, world):
    county = world["a"]["county"]
    login_as(client, Role.ORG_STAFF, county)
    newcomer = UserFactory(username="newsec")
    url = reverse("branches:roles", args=[world["a"]["branch1"].pk])
    bad = client.post(
        url, {"username": "nobody", "role": Role.SECRETARY, "valid_from": "2026-01-01"}
    )
    assert "nobody" in bad.content.decode()
    assert not RoleAssignment.objects.filter(user=newcomer).exists()

    ok = client.post(
        url, {"username": "newsec", "role": Role.SECRETARY, "valid_from": "2026-01-01"}
    )
    assert ok.status_code == 302
    assignment = RoleAssignment.objects.get(user=newcomer)
    assert "newsec" in client.get(url).content.decode()

    ended = client.post(reverse("branches:role-end", args=[assignment.pk]), {"on": "2026-06-30"})
    assert ended.status_code == 302
    assignment.refresh_from_db()
    assert assignment.valid_to == datetime.date(2026, 6, 30)


def test_nav_links_to_the_tree(client, world):
    login_as(client, Role.MEMBER, world["a"]["branch1"])
    html = client.get("/").content.decode()
    assert reverse("branches:tree") in html


def test_policy_page_sets_a_local_rule_with_clear_errors(client, world):
    province = world["a"]["province"]
    login_as(client, Role.ORG_STAFF, province)
    url = reverse("branches:policies", args=[province.pk])
    bad = client.post(
        url, {"key": "education_hours_per_day", "value": "abc", "valid_from": "2026-01-01"}
    )
    assert bad.status_code == 200
    assert "必须是数字" in bad.content.decode()

    ok = client.post(
        url,
        {
            "key": "education_hours_per_day",
            "value": "6",
            "valid_from": "2026-01-01",
            "note": "省委文件",
        },
    )
    assert ok.status_code == 302
    from branches.policies import policy_in_force

    assert (
        policy_in_force(world["a"]["branch1"], "education_hours_per_day", datetime.date(2026, 5, 1))
        == "6"
    )
    assert (
        policy_in_force(world["b"]["branch1"], "education_hours_per_day", datetime.date(2026, 5, 1))
        == "8"
    )

    overlap = client.post(
        url, {"key": "education_hours_per_day", "value": "7", "valid_from": "2026-06-01"}
    )
    assert overlap.status_code == 200
    assert not overlap.context["form"].is_valid() or overlap.context["form"].errors


def test_secretary_cannot_set_policies(client, world):
    login_as(client, Role.SECRETARY, world["a"]["branch1"])
    assert (
        client.get(reverse("branches:policies", args=[world["a"]["branch1"].pk])).status_code == 403
    )


def test_guidance_page_records_a_relation(client, world):
    county = world["a"]["county"]
    login_as(client, Role.ORG_STAFF, world["a"]["province"])
    group = OrganizationFactory(
        name="甲省教育厅党组", parent=world["a"]["province"], kind=OrgKind.DEPARTMENT_GROUP
    )
    url = reverse("branches:guidance-create", args=[county.pk])
    unknown = client.post(
        url,
        {
            "guide_code": world["b"]["province"].code,
            "basis": "territorial",
            "valid_from": "2026-01-01",
        },
    )
    assert world["b"]["province"].code in unknown.content.decode()
    ok = client.post(
        url, {"guide_code": group.code, "basis": "territorial", "valid_from": "2026-01-01"}
    )
    assert ok.status_code == 302
    assert (
        "甲省教育厅党组"
        in client.get(reverse("branches:detail", args=[county.pk])).content.decode()
    )


def test_who_can_see_lists_workflow_grants(client, world):
    from branches import services

    branch = world["a"]["branch1"]
    login_as(client, Role.ORG_STAFF, world["a"]["county"])
    visitor = UserFactory(username="inflow", name="流入地书记")
    services.grant_object_permission(
        actor=None,
        user=visitor,
        obj=branch,
        action="view",
        expires_at=datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
    )
    html = client.get(reverse("branches:detail", args=[branch.pk])).content.decode()
    assert "流入地书记" in html
    assert "2030-01-01" in html


def test_who_can_see_is_for_role_managers_and_names_only_what_they_may_see(client, world):
    branch = world["a"]["branch1"]
    RoleAssignmentFactory(
        user=UserFactory(username="prov", name="省组织部干部"),
        role=Role.ORG_STAFF,
        organization=world["a"]["province"],
    )
    RoleAssignmentFactory(
        user=UserFactory(username="insp", name="省抽查人员"),
        role=Role.INSPECTOR,
        organization=world["a"]["province"],
    )
    login_as(client, Role.SECRETARY, branch, username="sec1")
    html = client.get(reverse("branches:detail", args=[branch.pk])).content.decode()
    assert "可查看本组织的人员" not in html
    assert "省抽查人员" not in html

    client.logout()
    login_as(client, Role.ORG_STAFF, world["a"]["county"], username="county1")
    html = client.get(reverse("branches:detail", args=[branch.pk])).content.decode()
    assert "可查看本组织的人员" in html
    assert "sec1" in html and "county1" in html
    assert "省抽查人员" not in html and "省组织部干部" not in html
    assert "上级组织还有 2 名" in html


def test_role_form_offers_only_grantable_roles(client, world):
    login_as(client, Role.ORG_STAFF, world["a"]["county"])
    form = client.get(reverse("branches:roles", args=[world["a"]["branch1"].pk])).context["form"]
    offered = {value for value, _ in form.fields["role"].choices}
    assert Role.SYSADMIN not in offered
    assert Role.SECRETARY in offered


def test_detail_page_looks_up_the_scope_once_per_action(
    client, world, django_assert_max_num_queries
):
    login_as(client, Role.ORG_STAFF, world["a"]["county"])
    for i in range(10):
        OrganizationFactory(name=f"下属{i}", parent=world["a"]["county"])
    # 16, and the reminders panel's rows and count
    with django_assert_max_num_queries(18):
        response = client.get(reverse("branches:detail", args=[world["a"]["county"].pk]))
    assert response.status_code == 200
