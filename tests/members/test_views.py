import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from branches.models import OrgKind, OrgLevel, Role
from members.models import IdReveal, Member, MemberStatus, Transfer
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
    valid_id_number,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    root = OrganizationFactory(name="中央", kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    return {"a": province_tree("甲", parent=root), "b": province_tree("乙", parent=root)}


def login_as(client, role, org, username):
    user = UserFactory(username=username)
    RoleAssignmentFactory(user=user, role=role, organization=org)
    client.force_login(user)
    return user


def test_member_list_is_scoped_filtered_and_bounded(client, world, django_assert_max_num_queries):
    a1, a2 = world["a"]["branch1"], world["a"]["branch2"]
    for i in range(30):
        MemberFactory(branch=a1, name=f"本支部{i}", full=i % 2 == 0)
    MemberFactory(branch=a2, name="邻支部党员")
    MemberFactory(branch=world["b"]["branch1"], name="外省党员")
    login_as(client, Role.SECRETARY, a1, "sec")
    with django_assert_max_num_queries(10):
        html = client.get(reverse("members:list")).content.decode()
    assert "本支部0" in html
    assert "邻支部党员" not in html and "外省党员" not in html
    probationary = client.get(reverse("members:list"), {"status": MemberStatus.PROBATIONARY})
    assert probationary.context["page"].paginator.count == 15
    assert "本支部1" in probationary.content.decode()


def test_member_detail_is_404_outside_and_masks_the_id(client, world):
    own = MemberFactory(branch=world["a"]["branch1"], id_number=valid_id_number(7))
    other = MemberFactory(branch=world["b"]["branch1"])
    login_as(client, Role.SECRETARY, world["a"]["branch1"], "sec")
    html = client.get(reverse("members:detail", args=[own.pk])).content.decode()
    assert own.id_number_masked in html
    assert valid_id_number(7) not in html
    assert client.get(reverse("members:detail", args=[other.pk])).status_code == 404


def test_revealing_the_id_number_is_audited_and_refused_to_view_only_roles(client, world):
    own = MemberFactory(branch=world["a"]["branch1"], id_number=valid_id_number(8))
    user = login_as(client, Role.SECRETARY, world["a"]["branch1"], "sec")
    response = client.post(reverse("members:reveal-id", args=[own.pk]), HTTP_HX_REQUEST="true")
    assert response.content.decode().strip() == valid_id_number(8)
    assert IdReveal.objects.filter(member=own, user=user).count() == 1

    client.logout()
    login_as(client, Role.INSPECTOR, world["a"]["province"], "insp")
    assert client.post(reverse("members:reveal-id", args=[own.pk])).status_code == 403
    assert IdReveal.objects.filter(member=own).count() == 1


def test_create_member_page_names_the_bad_field(client, world):
    branch = world["a"]["branch1"]
    login_as(client, Role.SECRETARY, branch, "sec")
    data = {
        "name": "新党员",
        "gender": "female",
        "birth_date": "1995-05-05",
        "ethnicity": "汉族",
        "education": "bachelor",
        "id_number": "110101199505050000",
        "joined_on": "2026-07-01",
        "status": MemberStatus.PROBATIONARY,
        "employer_sector": "rural",
    }
    bad = client.post(reverse("members:create", args=[branch.pk]), data)
    assert bad.status_code == 200
    assert "校验码" in bad.content.decode()
    assert not Member.objects.filter(name="新党员").exists()

    good = client.post(
        reverse("members:create", args=[branch.pk]),
        {**data, "id_number": valid_id_number(99, datetime.date(1995, 5, 5))},
    )
    assert good.status_code == 302
    created = Member.objects.get(name="新党员")
    assert created.conversion_due == datetime.date(2027, 7, 1)


def test_transfer_across_provinces_through_the_pages(client, world):
    member = MemberFactory(branch=world["a"]["branch1"], name="调动党员")
    login_as(client, Role.SECRETARY, world["a"]["branch1"], "sender")
    client.post(
        reverse("members:transfer-request", args=[member.pk]),
        {"to_code": world["b"]["branch1"].code, "note": "工作调动"},
    )
    transfer = Transfer.objects.get(member=member)
    member.refresh_from_db()
    assert member.branch == world["a"]["branch1"], "unchanged until accepted"

    client.logout()
    login_as(client, Role.SECRETARY, world["b"]["branch1"], "receiver")
    html = client.get(reverse("members:transfers")).content.decode()
    assert "调动党员" in html and "接收" in html
    client.post(reverse("members:transfer-decide", args=[transfer.pk, "accept"]))
    member.refresh_from_db()
    assert member.branch == world["b"]["branch1"]
    assert member.province == world["b"]["province"]

    client.logout()
    login_as(client, Role.SECRETARY, world["a"]["branch2"], "bystander")
    assert "调动党员" not in client.get(reverse("members:transfers")).content.decode()


def test_member_sees_their_own_record_and_dues_only(client, world):
    from members import services

    secretary = UserFactory(username="sec")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=world["a"]["branch1"])
    me = MemberFactory(branch=world["a"]["branch1"], name="我自己", full=True)
    MemberFactory(branch=world["a"]["branch1"], name="同支部党员")
    login = UserFactory(username="me")
    services.member_link_user(actor=secretary, member=me, user=login)
    services.dues_record(
        actor=secretary,
        member=me,
        period_start=datetime.date(2026, 10, 1),
        amount="12.00",
        paid_on=datetime.date(2026, 10, 8),
    )
    client.force_login(login)
    html = client.get(reverse("members:mine")).content.decode()
    assert "我自己" in html and "2026-10" in html and "12.00" in html
    assert me.id_number_masked in html
    listed = client.get(reverse("members:list")).content.decode()
    assert "同支部党员" not in listed
    other = Member.objects.get(name="同支部党员")
    assert client.get(reverse("members:detail", args=[other.pk])).status_code == 404


def test_members_api_is_scoped_and_writes_through_services(world, django_assert_max_num_queries):
    branch = world["a"]["branch1"]
    for _ in range(20):
        MemberFactory(branch=branch)
    MemberFactory(branch=world["b"]["branch1"], name="外省")
    user = UserFactory(username="apisec")
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=branch)
    api = APIClient()
    api.force_authenticate(user)
    with django_assert_max_num_queries(6):
        rows = api.get("/api/v1/members/").json()["results"]
    assert len(rows) == 20 and "外省" not in {r["name"] for r in rows}
    assert all("*" in r["id_number_masked"] for r in rows)
    created = api.post(
        "/api/v1/members/",
        {
            "branch": branch.pk,
            "name": "接口党员",
            "gender": "male",
            "birth_date": "1990-01-01",
            "education": "college",
            "id_number": valid_id_number(5, datetime.date(1990, 1, 1)),
            "joined_on": "2020-07-01",
            "status": "full",
            "full_since": "2021-07-01",
            "employer_sector": "government",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    duplicate = api.post(
        "/api/v1/members/",
        {
            **created.json(),
            "branch": branch.pk,
            "id_number": valid_id_number(5, datetime.date(1990, 1, 1)),
            "education": "college",
            "employer_sector": "government",
        },
        format="json",
    )
    assert duplicate.status_code == 400 and "id_number" in duplicate.json()
    outside = api.post(
        "/api/v1/members/",
        {**created.json(), "branch": world["b"]["branch1"].pk, "id_number": valid_id_number(6)},
        format="json",
    )
    assert outside.status_code == 404
    dues = api.post(
        "/api/v1/dues/",
        {
            "member": created.json()["id"],
            "period_start": "2026-01-01",
            "amount": "8.00",
            "paid_on": "2026-01-03",
        },
        format="json",
    )
    assert dues.status_code == 201, dues.json()
    again = api.post(
        "/api/v1/dues/",
        {
            "member": created.json()["id"],
            "period_start": "2026-01-01",
            "amount": "8.00",
            "paid_on": "2026-01-03",
        },
        format="json",
    )
    assert again.status_code == 400 and "period_start" in again.json()


def test_transfers_page_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    sender = UserFactory(username="sender")
    RoleAssignmentFactory(user=sender, role=Role.SECRETARY, organization=world["a"]["branch1"])
    for _ in range(20):
        member = MemberFactory(branch=world["a"]["branch1"])
        Transfer.objects.create(
            member=member,
            from_branch=world["a"]["branch1"],
            to_branch=world["b"]["branch1"],
            requested_by=sender,
            due_by=datetime.date(2020, 1, 1),
        )
    login_as(client, Role.ORG_STAFF, world["a"]["province"], "prov")
    with django_assert_max_num_queries(8):
        html = client.get(reverse("members:transfers")).content.decode()
    assert html.count("已逾期") == 20
