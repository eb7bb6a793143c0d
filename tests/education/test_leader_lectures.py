"""Leading cadres give party lectures or situation reports every year
(document 1, 二（二）1)."""

import datetime

import pytest
from django.urls import reverse

from branches.models import OrgKind, OrgLevel, Reminder, ReminderKind, Role
from education import cycles, selectors, services
from education.models import Activity, Teacher
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

YEAR = 2026


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    b = province_tree("乙", parent=root)
    secretary = UserFactory(username="sec")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    return {"a": a, "b": b, "secretary": secretary}


def lecture(member, year, kind="lecture", org=None):
    return Activity.objects.create(
        organization=org or member.branch,
        kind=kind,
        title="形势政策报告" if kind == "report" else "讲党课",
        starts_at=datetime.datetime(year, 6, 1, 9, tzinfo=datetime.UTC),
        hours=2,
        lecturer_member=member,
        created_by=UserFactory(),
    )


def leader(branch, name, level="county"):
    return MemberFactory(branch=branch, full=True, name=name, leadership_level=level)


def names(rows):
    return {r.member.name for r in rows}


def test_a_leader_with_this_years_lecture_is_not_listed_last_years_does_not_count(world):
    branch = world["a"]["branch1"]
    this_year = leader(branch, "今年讲过")
    report = leader(branch, "作过形势报告")
    last_year = leader(branch, "去年讲过")
    listener = leader(branch, "只听过")
    MemberFactory(branch=branch, full=True, name="普通党员")
    lecture(this_year, YEAR)
    lecture(report, YEAR, kind="report")
    lecture(last_year, YEAR - 1)
    other = Activity.objects.create(
        organization=branch,
        kind="seminar",
        title="专题研讨",
        starts_at=datetime.datetime(YEAR, 3, 1, 9, tzinfo=datetime.UTC),
        hours=2,
        lecturer_member=listener,
        created_by=UserFactory(),
    )
    assert other.kind == "seminar"  # a seminar does not count as a lecture
    rows = selectors.leaders_without_lecture(world["a"]["province"], YEAR)
    assert names(rows) == {"去年讲过", "只听过"}
    assert all((r.given, r.required) == (0, 1) for r in rows)


def test_a_province_asking_for_two_lists_a_leader_with_one(world):
    a = world["a"]
    one = leader(a["branch1"], "讲过一次")
    lecture(one, YEAR)
    assert selectors.leaders_without_lecture(a["province"], YEAR) == []
    PolicyOverrideFactory(
        organization=a["province"],
        key="leader_lectures_per_year",
        value=2,
        valid_from=datetime.date(YEAR, 1, 1),
    )
    (row,) = selectors.leaders_without_lecture(a["province"], YEAR)
    assert (row.member, row.given, row.required) == (one, 1, 2)
    # The other province keeps the default of one.
    other = leader(world["b"]["branch1"], "乙省领导")
    lecture(other, YEAR)
    assert selectors.leaders_without_lecture(world["b"]["province"], YEAR) == []


def test_leaders_who_left_are_not_listed(world):
    gone = leader(world["a"]["branch1"], "已离开")
    gone.left_on = datetime.date(YEAR, 2, 1)
    gone.left_reason = "transferred_out"
    gone.save()
    assert selectors.leaders_without_lecture(world["a"]["province"], YEAR) == []


def test_the_cycle_reminds_from_october_once(world):
    a = world["a"]
    missing = leader(a["branch1"], "未讲党课")
    lecture(leader(a["branch2"], "讲过"), YEAR)
    assert cycles.leader_lecture(a["province"], datetime.date(YEAR, 9, 30)) is None
    assert not Reminder.objects.exists()
    outcome = cycles.leader_lecture(a["province"], datetime.date(YEAR, 10, 1))
    assert outcome == {"leaders_without_lecture": 1, "reminders": 1}
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.member, reminder.organization) == (
        ReminderKind.LEADER_LECTURE,
        missing,
        a["branch1"],
    )
    assert reminder.due_on == datetime.date(YEAR, 12, 31)
    assert cycles.leader_lecture(a["province"], datetime.date(YEAR, 10, 2)) is None
    assert Reminder.objects.count() == 1


def test_page_and_api_are_scoped_and_bounded(client, world, django_assert_max_num_queries):
    a, b = world["a"], world["b"]
    for i in range(3):
        leader(a["branch1"], f"领导{i}")
    leader(a["branch2"], "邻支部领导")
    client.force_login(world["secretary"])
    url = reverse("education:leader-lectures", args=[a["branch1"].pk])
    with django_assert_max_num_queries(12):
        html = client.get(url, {"year": YEAR}).content.decode()
    assert "领导2" in html and "邻支部领导" not in html
    for i in range(3, 30):
        leader(a["branch1"], f"领导{i}")
    with django_assert_max_num_queries(12):
        html = client.get(url, {"year": YEAR}).content.decode()
    assert "领导29" in html
    assert (
        client.get(reverse("education:leader-lectures", args=[b["branch1"].pk])).status_code == 404
    )
    rows = client.get(
        "/api/v1/leader-lectures/", {"organization": a["branch1"].pk, "year": YEAR}
    ).json()["results"]
    assert len(rows) == 30 and {r["required"] for r in rows} == {1}
    assert (
        client.get("/api/v1/leader-lectures/", {"organization": a["branch2"].pk}).status_code == 404
    )


# --- Lectures entered through the form, the API and the teacher registry -----------


def lecture_fields(**extra):
    return {
        "kind": "lecture",
        "title": "领导干部讲党课",
        "starts_at": f"{YEAR}-06-18T15:00",
        "hours": "2",
        **extra,
    }


def test_a_leaders_lecture_entered_on_the_form_counts(client, world):
    a = world["a"]
    branch = a["branch1"]
    speaker = leader(branch, "王书记")
    outsider = leader(a["branch2"], "邻支部领导")
    client.force_login(world["secretary"])
    url = reverse("education:create", args=[branch.pk])
    page = client.get(url).content.decode()
    assert "王书记" in page and "邻支部领导" not in page
    # A member of another branch is not offered, and is refused by name of the field.
    response = client.post(url, lecture_fields(lecturer_member=outsider.pk))
    assert response.status_code == 200
    assert "lecturer_member" in response.context["form"].errors
    assert not Activity.objects.exists()

    response = client.post(url, lecture_fields(lecturer_member=speaker.pk))
    assert response.status_code == 302, response.content.decode()
    activity = Activity.objects.get()
    assert (activity.lecturer_member, activity.lecturer) == (speaker, "王书记")
    assert names(selectors.leaders_without_lecture(a["province"], YEAR)) == {"邻支部领导"}


def test_a_leaders_lecture_entered_through_the_api_counts(client, world):
    a, b = world["a"], world["b"]
    speaker = leader(a["branch1"], "王书记")
    outsider = leader(b["branch1"], "乙省领导")
    client.force_login(world["secretary"])
    payload = {
        "organization": a["branch1"].pk,
        "kind": "report",
        "title": "形势政策报告",
        "starts_at": f"{YEAR}-06-18T15:00:00+08:00",
        "hours": "2",
    }
    response = client.post(
        "/api/v1/activities/", {**payload, "lecturer_member": outsider.pk}, "application/json"
    )
    assert response.status_code == 400 and "lecturer_member" in response.json()
    assert not Activity.objects.exists()

    response = client.post(
        "/api/v1/activities/", {**payload, "lecturer_member": speaker.pk}, "application/json"
    )
    assert response.status_code == 201, response.content.decode()
    assert response.json()["lecturer_member"] == speaker.pk
    assert "王书记" not in names(selectors.leaders_without_lecture(a["province"], YEAR))


def test_a_registry_teacher_linked_to_a_leader_counts_for_that_leader(client, world):
    a = world["a"]
    # The county secretary's member record is kept outside the branch's reach.
    county_leader = leader(a["branch2"], "县委书记", level="county")
    teacher = Teacher.objects.create(
        organization=a["county"],
        name="县委书记",
        category="leader",
        unit="中共甲县委",
        member=county_leader,
    )
    client.force_login(world["secretary"])
    response = client.post(
        reverse("education:create", args=[a["branch1"].pk]), lecture_fields(teacher=teacher.pk)
    )
    assert response.status_code == 302, response.content.decode()
    activity = Activity.objects.get()
    assert (activity.lecturer, activity.lecturer_member) == ("县委书记", county_leader)
    assert selectors.leaders_without_lecture(a["province"], YEAR) == []


def test_the_lecture_that_meets_the_requirement_resolves_the_reminder(world):
    a = world["a"]
    PolicyOverrideFactory(
        organization=a["province"],
        key="leader_lectures_per_year",
        value=2,
        valid_from=datetime.date(YEAR, 1, 1),
    )
    speaker = leader(a["branch1"], "王书记")
    other = leader(a["branch1"], "李主任")
    cycles.leader_lecture(a["province"], datetime.date(YEAR, 10, 1))
    assert Reminder.objects.filter(resolved_at__isnull=True).count() == 2

    def give(member, day):
        services.activity_create(
            actor=world["secretary"],
            organization=a["branch1"],
            kind="lecture",
            title="讲党课",
            starts_at=datetime.datetime(YEAR, 10, day, 9, tzinfo=datetime.UTC),
            hours=2,
            lecturer_member=member,
        )

    give(speaker, 10)  # one of two: still due
    assert Reminder.objects.get(member=speaker).resolved_at is None
    give(speaker, 20)
    assert Reminder.objects.get(member=speaker).resolved_at is not None
    assert Reminder.objects.get(member=other).resolved_at is None
