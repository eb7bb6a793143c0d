"""Registries of teachers, education bases and textbooks: kept by an
organisation, offered as pick lists down its subtree, never to a sibling."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from branches.models import OrgKind, OrgLevel, Role
from education import services
from education.forms import ActivityForm
from education.models import Activity, EducationBase, Teacher, Textbook
from education.selectors import registry_choices
from tests.factories import OrganizationFactory, RoleAssignmentFactory, UserFactory, province_tree

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2026, 3, 5, 19, tzinfo=datetime.UTC)


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    sibling_county = OrganizationFactory(
        name="甲另县", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    admin = UserFactory(username="root", is_superuser=True)
    secretary = UserFactory(username="sec_a")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    other = UserFactory(username="sec_b")
    RoleAssignmentFactory(user=other, role=Role.SECRETARY, organization=a["branch2"])
    county_staff = UserFactory(username="county")
    RoleAssignmentFactory(user=county_staff, role=Role.ORG_STAFF, organization=a["county"])

    def teacher(org, name, **kw):
        return services.teacher_save(
            actor=admin, organization=org, name=name, category="party_school", **kw
        )

    teachers = {
        "province": teacher(a["province"], "省委党校王教授", unit="甲省委党校"),
        "county": teacher(a["county"], "县委党校李老师", unit="甲县委党校"),
        "branch": teacher(a["branch1"], "老党员张大爷"),
        "sibling": teacher(sibling_county, "另县刘老师"),
        "branch2": teacher(a["branch2"], "二支部讲师"),
    }
    bases = {
        "city": services.education_base_save(
            actor=admin, organization=a["city"], name="南湖红船", address="嘉兴南湖"
        ),
        "sibling": services.education_base_save(
            actor=admin, organization=sibling_county, name="另县纪念馆"
        ),
    }
    books = {
        "province": services.textbook_save(
            actor=admin, organization=a["province"], title="中国共产党章程"
        ),
        "sibling": services.textbook_save(
            actor=admin, organization=sibling_county, title="另县乡土教材"
        ),
    }
    return {
        "a": a,
        "sibling_county": sibling_county,
        "admin": admin,
        "secretary": secretary,
        "other": other,
        "county_staff": county_staff,
        "teachers": teachers,
        "bases": bases,
        "books": books,
    }


def test_pick_lists_offer_own_and_ancestors_entries_never_a_siblings(world):
    t = world["teachers"]
    services.registry_entry_deactivate(actor=world["admin"], entry=t["county"])
    choices = registry_choices(world["a"]["branch1"])
    assert set(choices["teacher"]) == {t["province"], t["branch"]}  # county's is inactive
    assert list(choices["base"]) == [world["bases"]["city"]]
    assert list(choices["textbook"]) == [world["books"]["province"]]
    form = ActivityForm(branch=world["a"]["branch1"])
    offered = set(form.fields["teacher"].queryset)
    assert t["sibling"] not in offered and t["branch2"] not in offered
    assert t["province"] in offered


def test_picking_a_teacher_on_the_form_fills_the_lecturer(client, world):
    client.force_login(world["secretary"])
    branch = world["a"]["branch1"]
    page = client.get(reverse("education:create", args=[branch.pk])).content.decode()
    assert "省委党校王教授" in page and "另县刘老师" not in page
    response = client.post(
        reverse("education:create", args=[branch.pk]),
        {
            "kind": "lecture",
            "title": "学习党章",
            "starts_at": "2026-03-05T19:00",
            "hours": "2",
            "teacher": world["teachers"]["province"].pk,
            "base": world["bases"]["city"].pk,
            "textbook": world["books"]["province"].pk,
        },
    )
    assert response.status_code == 302, response.content.decode()
    activity = Activity.objects.get()
    assert activity.lecturer == "省委党校王教授"
    assert activity.teacher == world["teachers"]["province"]
    assert activity.base == world["bases"]["city"]
    refused = client.post(
        reverse("education:create", args=[branch.pk]),
        {
            "kind": "lecture",
            "title": "学习党章",
            "starts_at": "2026-03-05T19:00",
            "hours": "2",
            "teacher": world["teachers"]["sibling"].pk,
        },
    )
    assert refused.status_code == 200
    assert refused.context["form"].errors["teacher"]
    assert Activity.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "key"), [("teacher", "teachers"), ("base", "bases"), ("textbook", "books")]
)
def test_the_service_refuses_an_entry_kept_outside_the_ancestor_line(world, field, key):
    foreign = world[key]["sibling"]
    with pytest.raises(ValidationError) as refused:
        services.activity_create(
            actor=world["secretary"],
            organization=world["a"]["branch1"],
            kind="lecture",
            title="党课",
            lecturer="书记",
            starts_at=WHEN,
            hours=Decimal("2"),
            **{field: foreign},
        )
    assert str(foreign) in refused.value.message_dict[field][0]
    assert not Activity.objects.exists()


def test_an_inactive_entry_is_refused_by_the_service(world):
    teacher = world["teachers"]["province"]
    services.registry_entry_deactivate(actor=world["admin"], entry=teacher)
    with pytest.raises(ValidationError) as refused:
        services.activity_create(
            actor=world["secretary"],
            organization=world["a"]["branch1"],
            kind="lecture",
            title="党课",
            starts_at=WHEN,
            hours=Decimal("2"),
            teacher=teacher,
        )
    assert "teacher" in refused.value.message_dict


def test_api_activity_with_a_foreign_registry_id_is_refused(client, world):
    client.force_login(world["secretary"])
    payload = {
        "organization": world["a"]["branch1"].pk,
        "kind": "lecture",
        "title": "党课",
        "starts_at": "2026-03-05T19:00:00+08:00",
        "hours": "2",
    }
    foreign = client.post(
        "/api/v1/activities/",
        {**payload, "teacher": world["teachers"]["sibling"].pk},
        content_type="application/json",
    )
    assert foreign.status_code == 400 and "teacher" in foreign.json()
    ok = client.post(
        "/api/v1/activities/",
        {**payload, "teacher": world["teachers"]["county"].pk},
        content_type="application/json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["teacher"] == world["teachers"]["county"].pk
    assert ok.json()["lecturer"] == "县委党校李老师"


def test_a_used_entry_is_deactivated_not_deleted(world):
    staff = world["county_staff"]
    used = world["teachers"]["county"]
    services.activity_create(
        actor=world["secretary"],
        organization=world["a"]["branch1"],
        kind="lecture",
        title="党课",
        starts_at=WHEN,
        hours=Decimal("2"),
        teacher=used,
    )
    with pytest.raises(ValidationError) as refused:
        services.registry_entry_delete(actor=staff, entry=used)
    assert "停用" in refused.value.messages[0]
    services.registry_entry_deactivate(actor=staff, entry=used)
    used.refresh_from_db()
    assert not used.active
    assert Activity.objects.get().teacher == used  # the record keeps its teacher
    assert used not in registry_choices(world["a"]["branch1"])["teacher"]
    unused = services.teacher_save(
        actor=staff, organization=world["a"]["county"], name="新教师", category="expert"
    )
    services.registry_entry_delete(actor=staff, entry=unused)
    assert not Teacher.objects.filter(pk=unused.pk).exists()


def test_duplicates_get_a_message_naming_the_field(client, world):
    staff = world["county_staff"]
    county = world["a"]["county"]
    with pytest.raises(ValidationError) as refused:
        services.teacher_save(
            actor=staff,
            organization=county,
            name=" 县委党校李老师 ",
            category="expert",
            unit="甲县委党校",
        )
    assert "县委党校李老师" in refused.value.message_dict["name"][0]
    # Same name at another unit is another person.
    services.teacher_save(
        actor=staff, organization=county, name="县委党校李老师", category="expert", unit="某大学"
    )
    with pytest.raises(ValidationError) as refused:
        services.textbook_save(actor=staff, organization=county, title="乡土教材")
        services.textbook_save(actor=staff, organization=county, title="乡土教材")
    assert "乡土教材" in refused.value.message_dict["title"][0]
    assert Textbook.objects.filter(title="乡土教材").count() == 1
    client.force_login(staff)
    response = client.post(
        reverse("education:base-create", args=[county.pk]), {"name": "县红色教育馆"}
    )
    assert response.status_code == 302
    again = client.post(
        reverse("education:base-create", args=[county.pk]), {"name": "县红色教育馆"}
    )
    assert again.status_code == 200
    assert "县红色教育馆" in " ".join(again.context["form"].errors["name"])
    assert EducationBase.objects.filter(name="县红色教育馆").count() == 1


def test_registries_page_marks_inherited_entries_and_hides_siblings(
    client, world, django_assert_max_num_queries
):
    staff = world["county_staff"]
    county = world["a"]["county"]
    for i in range(15):
        services.teacher_save(
            actor=staff, organization=county, name=f"教师{i}", category="model", unit="单位"
        )
        services.textbook_save(actor=staff, organization=county, title=f"教材{i}")
    client.force_login(world["secretary"])
    url = reverse("education:registries", args=[world["a"]["branch1"].pk])
    with django_assert_max_num_queries(14):
        page = client.get(url)
    html = page.content.decode()
    assert "教师14" in html and "教材14" in html and "中国共产党章程" in html
    assert "另县刘老师" not in html and "二支部讲师" not in html
    assert "甲县" in html  # "kept by" the county
    # The secretary edits the branch's own entries, not the county's.
    assert reverse("education:teacher-edit", args=[world["teachers"]["branch"].pk]) in html
    assert reverse("education:teacher-edit", args=[world["teachers"]["county"].pk]) not in html
    detail = client.get(reverse("branches:detail", args=[world["a"]["branch1"].pk]))
    assert url in detail.content.decode()


def test_scope_on_registry_pages_and_api(client, world):
    own = world["teachers"]["branch"]
    client.force_login(world["other"])
    assert client.get(reverse("education:teacher-edit", args=[own.pk])).status_code == 404
    assert client.post(reverse("education:teacher-deactivate", args=[own.pk])).status_code == 404
    assert client.post(reverse("education:teacher-delete", args=[own.pk])).status_code == 404
    branch1 = world["a"]["branch1"]
    assert client.get(reverse("education:registries", args=[branch1.pk])).status_code == 404
    assert client.get(reverse("education:teacher-create", args=[branch1.pk])).status_code == 404
    assert client.get(f"/api/v1/teachers/{own.pk}/").status_code == 404
    assert (
        client.patch(
            f"/api/v1/teachers/{own.pk}/", {"name": "改"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get("/api/v1/teachers/", {"organization": branch1.pk}).status_code == 404
    created = client.post(
        "/api/v1/teachers/",
        {"organization": branch1.pk, "name": "外人", "category": "expert"},
        content_type="application/json",
    )
    assert created.status_code == 404
    # An ancestor's entry is offered, not editable: the county's teacher is out of reach.
    county_teacher = world["teachers"]["county"]
    client.force_login(world["secretary"])
    assert (
        client.get(reverse("education:teacher-edit", args=[county_teacher.pk])).status_code == 404
    )
    own.refresh_from_db()
    assert own.name == "老党员张大爷" and own.active


def test_api_lists_own_and_inherited_and_writes_through_the_services(client, world):
    client.force_login(world["secretary"])
    branch1 = world["a"]["branch1"]
    rows = client.get("/api/v1/teachers/", {"organization": branch1.pk}).json()["results"]
    names = {row["name"] for row in rows}
    assert names == {"省委党校王教授", "县委党校李老师", "老党员张大爷"}
    mine = client.get("/api/v1/teachers/").json()["results"]
    assert [row["name"] for row in mine] == ["老党员张大爷"]
    created = client.post(
        "/api/v1/textbooks/",
        {"organization": branch1.pk, "title": "习近平新时代中国特色社会主义思想学习纲要"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    duplicate = client.post(
        "/api/v1/textbooks/",
        {"organization": branch1.pk, "title": "习近平新时代中国特色社会主义思想学习纲要"},
        content_type="application/json",
    )
    assert duplicate.status_code == 400 and "title" in duplicate.json()
    updated = client.patch(
        f"/api/v1/textbooks/{pk}/", {"published_year": 2019}, content_type="application/json"
    )
    assert updated.status_code == 200 and updated.json()["published_year"] == 2019
    assert updated.json()["title"] == "习近平新时代中国特色社会主义思想学习纲要"
    assert client.post(f"/api/v1/textbooks/{pk}/deactivate/").json()["active"] is False
    base = client.post(
        "/api/v1/education-bases/",
        {"organization": branch1.pk, "name": "村史馆", "theme": "乡村振兴"},
        content_type="application/json",
    )
    assert base.status_code == 201
    assert client.delete(f"/api/v1/education-bases/{base.json()['id']}/").status_code == 204


def test_registry_pages_create_edit_and_deactivate(client, world):
    client.force_login(world["secretary"])
    branch1 = world["a"]["branch1"]
    created = client.post(
        reverse("education:teacher-create", args=[branch1.pk]),
        {"name": "驻村第一书记", "category": "leader", "unit": "县农业农村局"},
    )
    assert created.status_code == 302
    teacher = Teacher.objects.get(name="驻村第一书记")
    assert teacher.organization == branch1
    edited = client.post(
        reverse("education:teacher-edit", args=[teacher.pk]),
        {
            "name": "驻村第一书记",
            "category": "leader",
            "unit": "县农业农村局",
            "specialty": "乡村振兴",
        },
    )
    assert edited.status_code == 302
    teacher.refresh_from_db()
    assert teacher.specialty == "乡村振兴"
    client.post(reverse("education:teacher-deactivate", args=[teacher.pk]))
    teacher.refresh_from_db()
    assert not teacher.active
    page = client.get(reverse("education:registries", args=[branch1.pk])).content.decode()
    assert reverse("education:teacher-reactivate", args=[teacher.pk]) in page


def test_api_leaves_out_the_ancestors_inactive_entries(client, world):
    from education.models import Teacher

    Teacher.objects.filter(name="省委党校王教授").update(active=False)
    client.force_login(world["secretary"])
    rows = client.get("/api/v1/teachers/", {"organization": world["a"]["branch1"].pk}).json()
    assert {row["name"] for row in rows["results"]} == {"县委党校李老师", "老党员张大爷"}
