"""The workflow through /api/v1/: the same services, the same scoping."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from branches.models import OrgKind, OrgLevel, Role
from mobility.models import Certificate
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate().isoformat()


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
    member = MemberFactory(branch=a["branch1"], name="孙外出", full=True)
    return {"a": a, "b": b, "u": users, "member": member}


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_workflow_through_the_api(world):
    u, b = world["u"], world["b"]
    outflow = api(u["outflow"])
    response = outflow.post(
        "/api/v1/mobile-episodes/",
        {
            "member": world["member"].pk,
            "reason": "employment",
            "destination_region": "浙江省杭州市",
            "contact": "13800000000",
            "reported_on": TODAY,
            "started_on": TODAY,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    episode_id = response.json()["id"]
    again = outflow.post(
        "/api/v1/mobile-episodes/",
        {
            "member": world["member"].pk,
            "reason": "employment",
            "destination_region": "杭州",
            "contact": "1",
            "reported_on": TODAY,
            "started_on": TODAY,
        },
        format="json",
    )
    assert again.status_code == 400 and "孙外出" in again.json()["member"][0]
    cert = outflow.post(f"/api/v1/mobile-episodes/{episode_id}/request-certificate/").json()
    issue = outflow.post(f"/api/v1/certificates/{cert['id']}/issue/")
    assert issue.status_code == 400 and "status" in issue.json()
    assert api(u["committee"]).post(f"/api/v1/certificates/{cert['id']}/stamp/").status_code == 200
    issued = outflow.post(f"/api/v1/certificates/{cert['id']}/issue/").json()
    assert issued["status"] == "issued" and issued["number"]

    inflow = api(u["inflow"])
    assert inflow.get(f"/api/v1/mobile-episodes/{episode_id}/").status_code == 404
    check_in = {"number": issued["number"], "inflow_organization": b["branch1"].pk}
    wrong = inflow.post(
        "/api/v1/certificates/check-in/",
        {**check_in, "code": "AAAAAAAAAA", "basis": "employer"},
        format="json",
    )
    assert wrong.status_code == 400 and issued["number"] in wrong.json()["number"][0]
    code = Certificate.objects.get(pk=cert["id"]).verification_code
    checked = inflow.post(
        "/api/v1/certificates/check-in/",
        {**check_in, "code": code, "basis": "employer"},
        format="json",
    )
    assert checked.status_code == 200 and checked.json()["status"] == "checked_in"
    assert inflow.get(f"/api/v1/mobile-episodes/{episode_id}/").status_code == 200
    entry = inflow.post(
        f"/api/v1/certificates/{cert['id']}/entries/",
        {"kind": "org_life", "on": TODAY, "description": "主题党日"},
        format="json",
    )
    assert entry.status_code == 201
    dues = inflow.post(
        f"/api/v1/certificates/{cert['id']}/entries/",
        {"kind": "dues", "period_start": TODAY[:8] + "01", "amount": "20.00", "paid_on": TODAY},
        format="json",
    )
    assert dues.status_code == 201, dues.json()
    assert len(outflow.get(f"/api/v1/certificates/{cert['id']}/entries/").json()) == 2

    # Another branch of the inflow province sees nothing and can do nothing.
    other = api(u["other_b"])
    assert other.get(f"/api/v1/certificates/{cert['id']}/").status_code == 404
    assert other.get("/api/v1/mobile-episodes/").json()["results"] == []
    assert (
        other.post(
            f"/api/v1/certificates/{cert['id']}/entries/",
            {"kind": "org_life", "on": TODAY, "description": "x"},
            format="json",
        ).status_code
        == 404
    )
    returned = outflow.post(
        f"/api/v1/certificates/{cert['id']}/return/", {"returned_on": TODAY}, format="json"
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    twice = outflow.post(
        f"/api/v1/certificates/{cert['id']}/return/", {"returned_on": TODAY}, format="json"
    )
    assert twice.status_code == 400 and "status" in twice.json()
    assert Certificate.objects.get().status == "returned"
