import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from branches.models import OrgKind, OrgLevel, Role
from education import services
from education.models import Attendance, YearlyTotal
from members import services as member_services
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def branch():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    return province_tree("甲", parent=root)["branch1"]


def test_a_secretary_records_a_meeting_and_attendance_in_two_screens(client, branch):
    members = [MemberFactory(branch=branch, name=f"党员{i}") for i in range(40)]
    user = UserFactory(username="sec")
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=branch)
    client.force_login(user)
    response = client.post(
        reverse("education:create", args=[branch.pk]),
        {
            "kind": "branch_assembly",
            "title": "支部党员大会",
            "starts_at": "2026-03-05T19:00",
            "hours": "2",
        },
    )
    assert response.status_code == 302
    attendance_url = response["Location"]
    page = client.get(attendance_url)
    assert page.status_code == 200 and "党员39" in page.content.decode()
    # One toggle: everyone else stays present.
    saved = client.post(
        attendance_url,
        {f"status-{members[0].pk}": "excused", f"reason-{members[0].pk}": "病假"},
    )
    assert saved.status_code == 302
    assert Attendance.objects.filter(status="present").count() == 39
    assert YearlyTotal.objects.get(member=members[1], year=2026).hours == 2
    assert YearlyTotal.objects.get(member=members[0], year=2026).hours == 0

    missing_reason = client.post(attendance_url, {f"status-{members[2].pk}": "excused"})
    assert missing_reason.status_code == 200
    assert members[2].name in missing_reason.content.decode()


def test_member_sees_their_hours_against_the_requirement(client, branch):
    secretary = ActorFactory()
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=branch)
    me = MemberFactory(branch=branch, employer_sector="government")
    login = UserFactory(username="me")
    member_services.member_link_user(actor=secretary, member=me, user=login)
    activity = services.activity_create(
        actor=secretary,
        organization=branch,
        kind="lecture",
        title="学习党章党规",
        lecturer="书记",
        starts_at=datetime.datetime(2026, 4, 1, 9, tzinfo=datetime.UTC),
        hours=Decimal("3"),
    )
    services.attendance_save(actor=secretary, activity=activity)
    client.force_login(login)
    html = client.get(reverse("education:mine"), {"year": 2026}).content.decode()
    assert "3.0 / 96" in html  # 12 days of 8 hours
    assert "学习党章党规" in html
    assert "93.0" in html  # hours still to go


def test_compliance_table_is_scoped_and_bounded(client, branch, django_assert_max_num_queries):
    for _ in range(30):
        MemberFactory(branch=branch)
    user = UserFactory(username="sec")
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=branch)
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("education:compliance", args=[branch.pk]), {"year": 2026})
    assert response.status_code == 200
    assert len(response.context["statuses"]) == 30
    other = OrganizationFactory(name="别的支部")
    assert client.get(reverse("education:compliance", args=[other.pk])).status_code == 404


def test_education_api_records_attendance_and_reports_the_year(branch):
    from rest_framework.test import APIClient

    members = [MemberFactory(branch=branch, employer_sector="rural") for _ in range(5)]
    user = UserFactory(username="apisec")
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=branch)
    api = APIClient()
    api.force_authenticate(user)
    created = api.post(
        "/api/v1/activities/",
        {
            "organization": branch.pk,
            "kind": "training",
            "title": "冬训",
            "starts_at": "2026-01-10T09:00:00+08:00",
            "hours": "8",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    url = f"/api/v1/activities/{created.json()['id']}/attendance/"
    saved = api.post(
        url, {"exceptions": [{"member": members[0].pk, "status": "absent"}]}, format="json"
    )
    assert saved.status_code == 200
    assert {r["status"] for r in saved.json()} == {"present", "absent"}
    bad = api.post(
        url, {"exceptions": [{"member": members[1].pk, "status": "excused"}]}, format="json"
    )
    assert bad.status_code == 400 and "reason" in bad.json()

    years = api.get("/api/v1/education-years/", {"year": 2026}).json()["results"]
    by_member = {row["member"]: row for row in years}
    assert by_member[members[1].pk]["hours"] == "8.0"
    assert by_member[members[1].pk]["required_days"] == 6
    assert by_member[members[0].pk]["compliant"] is False

    outsider = UserFactory(username="outsider")
    other = APIClient()
    other.force_authenticate(outsider)
    assert other.get(url).status_code == 404
    assert other.get("/api/v1/education-years/").json()["results"] == []
