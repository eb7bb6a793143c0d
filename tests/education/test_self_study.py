"""Self-study (自主学习): plans and records beside collective education,
counted toward the requirement only where the policy says so."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from rest_framework.test import APIClient

from branches.models import OrgKind, OrgLevel, Role, Sector
from education import services
from education.models import SelfStudy, StudyPlan, YearlyTotal
from education.selectors import year_status
from members import services as member_services
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    b = province_tree("乙", parent=root)
    secretary = UserFactory(username="sec")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    me = MemberFactory(
        branch=a["branch1"], name="自学党员", employer_sector=Sector.STATE_ENTERPRISE
    )
    login = UserFactory(username="me")
    member_services.member_link_user(actor=secretary, member=me, user=login)
    return {"a": a, "b": b, "secretary": secretary, "me": me, "login": login}


def collective(actor, org, year, days, hours="10"):
    for d in range(1, days + 1):
        activity = services.activity_create(
            actor=actor,
            organization=org,
            kind="group",
            title="党小组学习",
            starts_at=datetime.datetime(year, 3, d, 9, tzinfo=TZ),
            hours=Decimal(hours),
        )
        services.attendance_save(actor=actor, activity=activity)


def self_study(actor, member, year, hours=("5", "5")):
    for i, h in enumerate(hours, 1):
        services.self_study_add(
            actor=actor,
            member=member,
            on=datetime.date(year, 4, i),
            hours=Decimal(h),
            material="《习近平新时代中国特色社会主义思想学习纲要》",
        )


def test_self_study_is_not_counted_by_default(world):
    me = world["me"]
    collective(world["secretary"], world["a"]["branch1"], 2026, 9)
    self_study(world["login"], me, 2026)
    status = year_status(me, 2026)
    assert (status.hours, status.self_study_hours) == (Decimal(90), Decimal(10))
    assert not status.self_study_counts
    assert status.short and status.remaining_hours == Decimal(6)  # 12 days × 8 h = 96


def test_self_study_counts_where_a_province_adopts_it_from_its_start(world):
    me = world["me"]
    PolicyOverrideFactory(
        organization=world["a"]["province"],
        key="self_study_counts",
        value="yes",
        valid_from=datetime.date(2026, 1, 1),
    )
    for year in (2025, 2026):
        collective(world["secretary"], world["a"]["branch1"], year, 9)
        self_study(world["login"], me, year)
    before, after = year_status(me, 2025), year_status(me, 2026)
    assert not before.self_study_counts and before.short
    assert after.self_study_counts and after.compliant
    assert after.hours == 90 and after.counted_hours == 100  # collective shown apart
    # Another province keeps the default.
    other = MemberFactory(branch=world["b"]["branch1"])
    assert not year_status(other, 2026).self_study_counts


def test_the_member_keeps_own_records_but_not_anothers(world):
    me, login = world["me"], world["login"]
    neighbour = MemberFactory(branch=world["a"]["branch1"])
    stranger = MemberFactory(branch=world["b"]["branch1"])
    record = services.self_study_add(
        actor=login, member=me, on=datetime.date(2026, 5, 1), hours=2, material="党章"
    )
    assert record.recorded_by == login
    assert YearlyTotal.objects.get(member=me, year=2026).self_study_hours == 2
    with pytest.raises(PermissionDenied):
        services.self_study_add(
            actor=login, member=neighbour, on=datetime.date(2026, 5, 1), hours=2, material="党章"
        )
    with pytest.raises(Http404):
        services.study_plan_save(actor=login, member=stranger, year=2026, content="学习计划")
    # The secretary may record for any member of the branch.
    other = services.self_study_add(
        actor=world["secretary"],
        member=neighbour,
        on=datetime.date(2026, 5, 2),
        hours=1,
        material="党规",
    )
    with pytest.raises(PermissionDenied):
        services.self_study_delete(actor=login, record=other)
    services.self_study_delete(actor=login, record=record)
    assert YearlyTotal.objects.get(member=me, year=2026).self_study_hours == 0


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("on", {"on": datetime.date(2099, 1, 1)}),
        ("hours", {"hours": Decimal(0)}),
        ("hours", {"hours": Decimal(25)}),
        ("material", {"material": "  "}),
    ],
)
def test_bad_self_study_is_refused_naming_the_field(world, field, values):
    data = {"on": datetime.date(2026, 5, 1), "hours": Decimal(2), "material": "党章"} | values
    with pytest.raises(ValidationError) as excinfo:
        services.self_study_add(actor=world["login"], member=world["me"], **data)
    assert field in excinfo.value.message_dict
    assert not SelfStudy.objects.exists()


def test_my_hours_page_plan_and_records(client, world):
    client.force_login(world["login"])
    mine = reverse("education:mine")
    html = client.get(mine, {"year": 2026}).content.decode()
    assert 'id="self-study"' in html
    saved = client.post(reverse("education:plan-save"), {"year": 2026, "content": "每月读一本书"})
    assert saved.status_code == 302
    assert StudyPlan.objects.get(member=world["me"], year=2026).content == "每月读一本书"
    added = client.post(
        reverse("education:self-study-add"),
        {"year": 2026, "on": "2026-06-01", "hours": "2.5", "material": "学习党史"},
    )
    assert added.status_code == 302
    html = client.get(mine, {"year": 2026}).content.decode()
    assert "每月读一本书" in html and "学习党史" in html and "2.5" in html
    bad = client.post(
        reverse("education:self-study-add"),
        {"year": 2026, "on": "2099-01-01", "hours": "2", "material": "未来"},
    )
    assert bad.status_code == 200 and "invalid-feedback d-block" in bad.content.decode()
    assert SelfStudy.objects.count() == 1
    # Someone else's record: 404 (out of the member's reach).
    theirs = services.self_study_add(
        actor=world["secretary"],
        member=MemberFactory(branch=world["a"]["branch1"]),
        on=datetime.date(2026, 5, 2),
        hours=1,
        material="党规",
    )
    assert client.post(reverse("education:self-study-delete", args=[theirs.pk])).status_code == 404
    own = SelfStudy.objects.get(member=world["me"])
    assert client.post(reverse("education:self-study-delete", args=[own.pk])).status_code == 302
    assert not SelfStudy.objects.filter(pk=own.pk).exists()


def test_branch_self_study_page_is_scoped_and_bounded(client, world, django_assert_max_num_queries):
    branch = world["a"]["branch1"]
    for i in range(30):
        member = MemberFactory(branch=branch, name=f"党员{i:02d}")
        services.study_plan_save(
            actor=world["secretary"], member=member, year=2026, content=f"计划{i}"
        )
        services.self_study_add(
            actor=world["secretary"],
            member=member,
            on=datetime.date(2026, 4, 1),
            hours=Decimal("1.5"),
            material="党章",
        )
    client.force_login(world["secretary"])
    url = reverse("education:branch-self-study", args=[branch.pk])
    with django_assert_max_num_queries(12):
        html = client.get(url, {"year": 2026}).content.decode()
    assert "党员29" in html and "计划29" in html and "1.5" in html
    other = reverse("education:branch-self-study", args=[world["b"]["branch1"].pk])
    assert client.get(other).status_code == 404
    compliance = client.get(reverse("education:compliance", args=[branch.pk]), {"year": 2026})
    assert "1.5" in compliance.content.decode()


def test_the_api_lists_own_records_and_refuses_anothers(world):
    me = world["me"]
    services.self_study_add(
        actor=world["secretary"],
        member=MemberFactory(branch=world["a"]["branch1"]),
        on=datetime.date(2026, 5, 2),
        hours=1,
        material="党规",
    )
    api = APIClient()
    api.force_authenticate(world["login"])
    created = api.post(
        "/api/v1/self-study/",
        {"member": me.pk, "on": "2026-05-01", "hours": "2", "material": "党章"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    rows = api.get("/api/v1/self-study/").json()["results"]
    assert [r["member"] for r in rows] == [me.pk]
    other = MemberFactory(branch=world["b"]["branch1"])
    refused = api.post(
        "/api/v1/self-study/",
        {"member": other.pk, "on": "2026-05-01", "hours": "2", "material": "党章"},
        format="json",
    )
    assert refused.status_code == 404
    future = api.post(
        "/api/v1/self-study/",
        {"member": me.pk, "on": "2099-05-01", "hours": "2", "material": "党章"},
        format="json",
    )
    assert future.status_code == 400 and "on" in future.json()
    plan = api.post(
        "/api/v1/study-plans/",
        {"member": me.pk, "year": 2026, "content": "学习计划"},
        format="json",
    )
    assert plan.status_code == 200 and plan.json()["content"] == "学习计划"
    assert api.delete(f"/api/v1/self-study/{created.json()['id']}/").status_code == 204
    assert YearlyTotal.objects.get(member=me, year=2026).self_study_hours == 0
