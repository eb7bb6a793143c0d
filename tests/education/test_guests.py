"""Guests: a member attends an activity of another organisation (e.g. a mobile
member at the inflow branch); the hours count for the member."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from branches import services as branch_services
from branches.models import OrgKind, OrgLevel, Role
from education import services
from education.models import Attendance, YearlyTotal
from members import services as member_services
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    b = province_tree("乙", parent=root)
    inflow = UserFactory(username="inflow")
    RoleAssignmentFactory(user=inflow, role=Role.SECRETARY, organization=a["branch1"])
    outflow = UserFactory(username="outflow")
    RoleAssignmentFactory(user=outflow, role=Role.SECRETARY, organization=b["branch1"])
    mobile = MemberFactory(branch=b["branch1"], name="流动党员张三")
    local = MemberFactory(branch=a["branch1"], name="本地党员")
    activity = services.activity_create(
        actor=inflow,
        organization=a["branch1"],
        kind="lecture",
        title="流入地党课",
        lecturer="书记",
        starts_at=datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC),
        hours=Decimal("3"),
    )
    return {
        "a": a,
        "b": b,
        "inflow": inflow,
        "outflow": outflow,
        "mobile": mobile,
        "local": local,
        "activity": activity,
    }


def grant(world, expires_at=None):
    branch_services.grant_object_permission(
        actor=world["outflow"],
        user=world["inflow"],
        obj=world["mobile"],
        action="view",
        expires_at=expires_at,
    )


def test_guest_hours_count_for_the_member_and_show_at_both_sides(client, world):
    grant(world, expires_at=timezone.now() + datetime.timedelta(days=30))
    mobile = world["mobile"]
    services.attendance_save(
        actor=world["inflow"], activity=world["activity"], guests={mobile.pk: {}}
    )
    assert YearlyTotal.objects.get(member=mobile, year=2026).hours == 3
    assert YearlyTotal.objects.get(member=world["local"], year=2026).hours == 3

    # The recording side shows the guest by name and branch.
    client.force_login(world["inflow"])
    html = client.get(reverse("education:attendance", args=[world["activity"].pk])).content.decode()
    assert "流动党员张三" in html and "乙支部1" in html
    # The member's own branch sees the attendance and the hours in its compliance.
    assert Attendance.objects.visible_to(world["outflow"]).filter(member=mobile).exists()
    client.force_login(world["outflow"])
    html = client.get(
        reverse("education:compliance", args=[world["b"]["branch1"].pk]), {"year": 2026}
    ).content.decode()
    assert "流动党员张三" in html and "3.0" in html
    # The member sees it in 我的学时 with the recording organisation's name.
    login = UserFactory(username="mobile")
    member_services.member_link_user(actor=world["outflow"], member=mobile, user=login)
    client.force_login(login)
    html = client.get(reverse("education:mine"), {"year": 2026}).content.decode()
    assert "流入地党课" in html and "甲支部1" in html


def test_the_recording_org_cannot_open_the_guests_member_page(client, world):
    grant(world)
    mobile = world["mobile"]
    services.attendance_save(
        actor=world["inflow"], activity=world["activity"], guests={mobile.pk: {}}
    )
    deputy = UserFactory(username="deputy")
    RoleAssignmentFactory(user=deputy, role=Role.DEPUTY, organization=world["a"]["branch1"])
    client.force_login(deputy)
    detail = reverse("members:detail", args=[mobile.pk])
    html = client.get(reverse("education:attendance", args=[world["activity"].pk])).content.decode()
    assert "流动党员张三" in html and detail not in html
    assert client.get(detail).status_code == 404
    # The grant ends: the secretary keeps the record but loses the member page.
    branch_services.revoke_object_permission(
        actor=None, user=world["inflow"], obj=mobile, action="view"
    )
    client.force_login(world["inflow"])
    html = client.get(reverse("education:attendance", args=[world["activity"].pk])).content.decode()
    assert "流动党员张三" in html and detail not in html
    assert client.get(detail).status_code == 404


@pytest.mark.parametrize("how", ["expired", "revoked", "never"])
def test_a_member_out_of_reach_cannot_be_added(world, how):
    mobile = world["mobile"]
    if how == "expired":
        grant(world, expires_at=timezone.now() - datetime.timedelta(minutes=1))
    elif how == "revoked":
        grant(world)
        branch_services.revoke_object_permission(
            actor=None, user=world["inflow"], obj=mobile, action="view"
        )
    with pytest.raises(ValidationError) as excinfo:
        services.attendance_save(
            actor=world["inflow"], activity=world["activity"], guests={mobile.pk: {}}
        )
    assert str(mobile.pk) in excinfo.value.message_dict["guests"][0]
    assert not Attendance.objects.filter(activity=world["activity"]).exists()
    assert not YearlyTotal.objects.filter(member=mobile).exists()


def test_saving_the_roster_again_keeps_the_guests(world):
    grant(world)
    mobile, activity, inflow = world["mobile"], world["activity"], world["inflow"]
    services.attendance_save(actor=inflow, activity=activity, guests={mobile.pk: {"hours": "2"}})
    services.attendance_save(
        actor=inflow, activity=activity, exceptions={world["local"].pk: {"status": "absent"}}
    )
    assert Attendance.objects.get(activity=activity, member=mobile).credited_hours == 2
    assert YearlyTotal.objects.get(member=mobile, year=2026).hours == 2
    # A guest recorded earlier may still be corrected after the grant ended.
    branch_services.revoke_object_permission(actor=None, user=inflow, obj=mobile, action="view")
    services.attendance_save(
        actor=inflow, activity=activity, guests={mobile.pk: {"status": "absent"}}
    )
    assert YearlyTotal.objects.get(member=mobile, year=2026).hours == 0
    services.guest_remove(actor=inflow, activity=activity, member=mobile)
    assert not Attendance.objects.filter(activity=activity, member=mobile).exists()
    assert YearlyTotal.objects.get(member=mobile, year=2026).absences == 0
    with pytest.raises(ValidationError) as excinfo:
        services.guest_remove(actor=inflow, activity=activity, member=world["local"])
    assert "member" in excinfo.value.message_dict


def test_a_roster_member_is_not_a_guest(world):
    with pytest.raises(ValidationError) as excinfo:
        services.attendance_save(
            actor=world["inflow"], activity=world["activity"], guests={world["local"].pk: {}}
        )
    assert "本地党员" in excinfo.value.message_dict["guests"][0]


def test_guest_search_adds_saves_and_removes_on_the_page(
    client, world, django_assert_max_num_queries
):
    grant(world)
    # A namesake out of reach is never offered; at most 20 results.
    MemberFactory(branch=world["b"]["branch2"], name="流动党员李四")
    for i in range(25):
        MemberFactory(branch=world["a"]["branch1"], name=f"甲党员{i}")
    county = UserFactory(username="county")
    RoleAssignmentFactory(user=county, role=Role.ORG_STAFF, organization=world["a"]["county"])
    client.force_login(world["inflow"])
    url = reverse("education:attendance", args=[world["activity"].pk])
    html = client.get(url, {"q": "流动党员"}).content.decode()
    assert "流动党员张三" in html and "流动党员李四" not in html
    page = client.get(url, {"add": world["mobile"].pk}).content.decode()
    assert f'name="guest" value="{world["mobile"].pk}"' in page
    saved = client.post(url, {"guest": world["mobile"].pk, f"hours-{world['mobile'].pk}": "1.5"})
    assert saved.status_code == 302
    assert YearlyTotal.objects.get(member=world["mobile"], year=2026).hours == Decimal("1.5")
    with django_assert_max_num_queries(20):
        assert client.get(url).status_code == 200
    remove = reverse("education:guest-remove", args=[world["activity"].pk, world["mobile"].pk])
    assert client.post(remove).status_code == 302
    assert YearlyTotal.objects.get(member=world["mobile"], year=2026).hours == 0
    # County staff see 25 members outside the roster of branch2: 20 are offered.
    activity2 = services.activity_create(
        actor=county,
        organization=world["a"]["branch2"],
        kind="group",
        title="党小组会",
        starts_at=datetime.datetime(2026, 5, 2, 9, tzinfo=datetime.UTC),
        hours=Decimal("1"),
    )
    client.force_login(county)
    html = client.get(
        reverse("education:attendance", args=[activity2.pk]), {"q": "甲党员"}
    ).content.decode()
    assert html.count('btn-outline-danger" href="?q=') == 20


def test_the_api_adds_and_removes_a_guest(world):
    grant(world)
    api = APIClient()
    api.force_authenticate(world["inflow"])
    url = f"/api/v1/activities/{world['activity'].pk}/attendance/"
    saved = api.post(url, {"guests": [{"member": world["mobile"].pk}]}, format="json")
    assert saved.status_code == 200, saved.json()
    assert {r["member_name"] for r in saved.json()} == {"流动党员张三", "本地党员"}
    stranger = MemberFactory(branch=world["b"]["branch2"])
    refused = api.post(url, {"guests": [{"member": stranger.pk}]}, format="json")
    assert refused.status_code == 400 and str(stranger.pk) in refused.json()["guests"][0]
    removed = api.post(
        f"/api/v1/activities/{world['activity'].pk}/remove-guest/",
        {"member": world["mobile"].pk},
        format="json",
    )
    assert removed.status_code == 204
    assert YearlyTotal.objects.get(member=world["mobile"], year=2026).hours == 0
