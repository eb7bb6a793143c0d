import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def test_me_needs_authentication():
    response = APIClient().get(ME)
    assert response.status_code in (401, 403)


def test_me_with_session(user_client, user):
    response = user_client.get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert response.json()["name"] == user.name


def test_me_with_token(user):
    token = Token.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == user.pk


def test_bad_token_is_refused(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(ME).status_code == 401


def test_schema_and_docs_need_login(user_client):
    assert APIClient().get("/api/schema/").status_code == 401
    assert APIClient().get("/api/docs/").status_code in (302, 401, 403)
    schema = user_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/me/" in schema.json()["paths"]
    docs = user_client.get("/api/docs/")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.content.decode()


# --- Organisations and roles ----------------------------------------------------


@pytest.fixture
def world():
    from branches.models import OrgKind, OrgLevel
    from tests.factories import OrganizationFactory, province_tree

    root = OrganizationFactory(name="中央", kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    return {
        "root": root,
        "a": province_tree("甲", parent=root),
        "b": province_tree("乙", parent=root),
    }


def api_as(role, org, username="apiuser"):
    from tests.factories import RoleAssignmentFactory, UserFactory

    user = UserFactory(username=username)
    RoleAssignmentFactory(user=user, role=role, organization=org)
    api = APIClient()
    api.force_authenticate(user)
    return api, user


def test_organization_list_is_scoped_and_filterable(world):
    api, _ = api_as("org_staff", world["a"]["county"])
    rows = api.get("/api/v1/organizations/").json()["results"]
    assert {r["name"] for r in rows} == {"甲县", "甲镇", "甲支部1", "甲支部2"}
    within = api.get("/api/v1/organizations/", {"within": world["a"]["township"].pk}).json()
    assert {r["name"] for r in within["results"]} == {"甲镇", "甲支部1", "甲支部2"}
    assert api.get("/api/v1/organizations/", {"within": world["b"]["county"].pk}).status_code == 404
    assert api.get("/api/v1/organizations/", {"within": "x"}).status_code == 400
    kinds = api.get("/api/v1/organizations/", {"kind": "branch"}).json()["results"]
    assert {r["name"] for r in kinds} == {"甲支部1", "甲支部2"}


def test_children_and_ancestors(world):
    api, _ = api_as("org_staff", world["a"]["city"])
    township = world["a"]["township"]
    children = api.get(f"/api/v1/organizations/{township.pk}/children/").json()["results"]
    assert [c["name"] for c in children] == ["甲支部1", "甲支部2"]
    ancestors = api.get(f"/api/v1/organizations/{world['a']['branch1'].pk}/ancestors/").json()
    # Only the visible part of the chain: the city and below.
    assert [a["name"] for a in ancestors] == ["甲市", "甲县", "甲镇"]


def test_create_and_move_through_the_api(world):
    api, _ = api_as("org_staff", world["a"]["province"])
    payload = {
        "parent": world["a"]["township"].pk,
        "name": "中共新建支部",
        "code": "API-NEW",
        "kind": "branch",
        "level": "village",
        "sector": "rural",
    }
    created = api.post("/api/v1/organizations/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["path"].startswith(world["a"]["township"].path + ".")

    duplicate = api.post("/api/v1/organizations/", {**payload, "name": "另一支部"}, format="json")
    assert duplicate.status_code == 400
    assert "code" in duplicate.json()
    same_name = api.post("/api/v1/organizations/", {**payload, "code": "API-2"}, format="json")
    assert same_name.status_code == 400
    assert "name" in same_name.json()
    bad_code = api.post(
        "/api/v1/organizations/", {**payload, "name": "三支部", "code": "a b/ç"}, format="json"
    )
    assert bad_code.status_code == 400
    assert "code" in bad_code.json()
    too_high = api.post(
        "/api/v1/organizations/",
        {**payload, "name": "四支部", "code": "API-4", "level": "central"},
        format="json",
    )
    assert too_high.status_code == 400
    assert "level" in too_high.json()

    outside = api.post(
        "/api/v1/organizations/",
        {**payload, "code": "X2", "parent": world["b"]["township"].pk},
        format="json",
    )
    assert outside.status_code == 404

    cycle = api.post(
        f"/api/v1/organizations/{world['a']['city'].pk}/move/",
        {"parent": world["a"]["township"].pk},
        format="json",
    )
    assert cycle.status_code == 400
    assert "parent" in cycle.json()


def test_secretary_cannot_create_through_the_api(world):
    api, _ = api_as("secretary", world["a"]["branch1"])
    response = api.post(
        "/api/v1/organizations/",
        {
            "parent": world["a"]["branch1"].pk,
            "name": "x",
            "code": "X",
            "kind": "branch",
            "level": "unit",
            "sector": "other",
        },
        format="json",
    )
    assert response.status_code == 403


def test_role_assignments_api(world):
    from tests.factories import UserFactory

    api, _ = api_as("org_staff", world["a"]["county"])
    newcomer = UserFactory(username="newcomer")
    created = api.post(
        "/api/v1/role-assignments/",
        {
            "user": newcomer.pk,
            "role": "secretary",
            "organization": world["a"]["branch2"].pk,
            "valid_from": "2026-01-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    sysadmin = api.post(
        "/api/v1/role-assignments/",
        {
            "user": newcomer.pk,
            "role": "sysadmin",
            "organization": world["a"]["branch2"].pk,
            "valid_from": "2026-01-01",
        },
        format="json",
    )
    assert sysadmin.status_code == 403
    ended = api.post(
        f"/api/v1/role-assignments/{created.json()['id']}/end/", {"on": "2026-03-31"}, format="json"
    )
    assert ended.status_code == 200
    assert ended.json()["valid_to"] == "2026-03-31"
    listed = api.get("/api/v1/role-assignments/").json()["results"]
    assert {r["username"] for r in listed} == {"apiuser", "newcomer"}


def test_list_endpoints_have_bounded_queries(world, django_assert_max_num_queries):
    from tests.factories import OrganizationFactory, RoleAssignmentFactory

    api, _ = api_as("org_staff", world["a"]["province"])
    for i in range(25):
        org = OrganizationFactory(name=f"批量{i}", parent=world["a"]["township"])
        RoleAssignmentFactory(organization=org)
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/organizations/").json()["results"]) > 25
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/role-assignments/").json()["results"]) > 25


def test_filters_answer_the_same_for_out_of_scope_and_missing_ids(world):
    api, _ = api_as("secretary", world["a"]["branch1"])
    outside = api.get("/api/v1/organizations/", {"parent": world["b"]["township"].pk})
    missing = api.get("/api/v1/organizations/", {"parent": 987654321})
    assert outside.status_code == missing.status_code == 200
    assert outside.json()["results"] == missing.json()["results"] == []
    for param in ("organization", "user"):
        outside = api.get("/api/v1/role-assignments/", {param: world["b"]["branch1"].pk})
        missing = api.get("/api/v1/role-assignments/", {param: 987654321})
        assert outside.status_code == missing.status_code == 200


def test_role_with_end_before_start_is_a_clear_400(world):
    from tests.factories import UserFactory

    api, _ = api_as("org_staff", world["a"]["county"])
    newcomer = UserFactory(username="late")
    response = api.post(
        "/api/v1/role-assignments/",
        {
            "user": newcomer.pk,
            "role": "secretary",
            "organization": world["a"]["branch2"].pk,
            "valid_from": "2026-05-01",
            "valid_to": "2026-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "valid_to" in response.json()
