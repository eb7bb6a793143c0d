"""Party-school rotation of grassroots party workers (document 1, 三（一）):
every 3 years at a party school of county level or above; reminders 90 days
before the due date; heads of grassroots organisations first."""

import datetime
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from branches.models import OrgKind, OrgLevel, Reminder, ReminderKind, Role
from education import cycles, selectors, services
from education.models import PartyWorker
from education.selectors import RotationState, add_years
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    b = province_tree("乙", parent=root)
    secretary = UserFactory(username="sec")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    staff = UserFactory(username="staff")
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=a["county"])
    return {"a": a, "b": b, "secretary": secretary, "staff": staff}


def post(actor, org, post="secretary", since=None, **member_fields):
    member = MemberFactory(branch=org, full=True, **member_fields)
    return services.party_worker_save(
        actor=actor,
        member=member,
        organization=org,
        post=post,
        since=since or add_years(TODAY, -2),
    )


def test_the_reminder_appears_90_days_before_the_due_date_not_91(world):
    a = world["a"]
    since = add_years(TODAY, -3) + timedelta(days=60)
    worker = post(world["staff"], a["branch1"], since=since, name="王书记")
    due = add_years(since, 3)

    cycles.party_school(a["province"], due - timedelta(days=91))
    assert not Reminder.objects.exists()

    cycles.party_school(a["province"], due - timedelta(days=90))
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.due_on, reminder.member_id) == (
        ReminderKind.PARTY_SCHOOL_DUE,
        due,
        worker.member_id,
    )
    assert reminder.organization_id == a["branch1"].pk
    assert "王书记" in reminder.detail
    # The next days raise nothing new for the same due date.
    cycles.party_school(a["province"], due - timedelta(days=89))
    assert Reminder.objects.count() == 1

    cycles.party_school(a["province"], due + timedelta(days=1))
    overdue = Reminder.objects.get(kind=ReminderKind.PARTY_SCHOOL_OVERDUE)
    reminder.refresh_from_db()
    assert reminder.resolved_at is not None, "once overdue, the 'falls due' reminder is done"
    assert overdue.resolved_at is None

    services.party_school_training_add(
        actor=world["staff"],
        member=worker.member,
        school="中共甲县委党校",
        level="county",
        starts_on=TODAY - timedelta(days=10),
        ends_on=TODAY - timedelta(days=3),
    )
    overdue.refresh_from_db()
    assert overdue.resolved_at is not None
    (status,) = selectors.rotation_status(PartyWorker.objects.all(), TODAY)
    assert status.state == RotationState.OK
    assert status.due_on == add_years(TODAY - timedelta(days=3), 3)


def test_due_date_from_the_last_training_else_the_start_of_the_post(world):
    a = world["a"]
    never = post(world["staff"], a["branch1"], since=datetime.date(2024, 5, 1))
    trained = post(world["staff"], a["branch2"], since=datetime.date(2015, 1, 1))
    for ends in (datetime.date(2022, 6, 30), datetime.date(2020, 6, 30)):
        services.party_school_training_add(
            actor=world["staff"],
            member=trained.member,
            school="中共甲市委党校",
            level="city",
            starts_on=ends - timedelta(days=20),
            ends_on=ends,
        )
    statuses = {
        s.worker.pk: s
        for s in selectors.rotation_status(PartyWorker.objects.all(), datetime.date(2025, 6, 1))
    }
    assert statuses[never.pk].due_on == datetime.date(2027, 5, 1)
    assert statuses[never.pk].state == RotationState.OK
    assert statuses[trained.pk].last_training == datetime.date(2022, 6, 30)
    assert statuses[trained.pk].due_on == datetime.date(2025, 6, 30)
    assert statuses[trained.pk].state == RotationState.DUE_SOON


def test_a_province_may_shorten_the_interval(world):
    a = world["a"]
    worker = post(world["staff"], a["branch1"], since=add_years(TODAY, -2) - timedelta(days=1))
    assert selectors.rotation_status(PartyWorker.objects.all())[0].state == RotationState.OK
    PolicyOverrideFactory(
        organization=a["province"], key="party_school_rotation_interval_years", value=2
    )
    (status,) = selectors.rotation_status(PartyWorker.objects.all())
    assert status.worker == worker and status.state == RotationState.OVERDUE


def test_heads_are_listed_first(world):
    a = world["a"]
    deputy = post(
        world["staff"], a["branch1"], post="deputy", since=datetime.date(2018, 1, 1), name="副书记"
    )
    head = post(world["staff"], a["branch2"], since=add_years(TODAY, -3) + timedelta(days=30))
    statuses = selectors.rotation_status(
        selectors.workers_within(a["county"]), TODAY, attention_within=a["county"]
    )
    assert [s.worker for s in statuses] == [head, deputy]
    assert statuses[0].is_head and statuses[0].state == RotationState.DUE_SOON
    assert not statuses[1].is_head and statuses[1].state == RotationState.OVERDUE


def test_a_training_not_yet_ended_or_below_county_level_is_refused(world):
    worker = post(world["staff"], world["a"]["branch1"])
    base = {
        "actor": world["staff"],
        "member": worker.member,
        "school": "中共甲县委党校",
        "level": "county",
        "starts_on": TODAY - timedelta(days=5),
        "ends_on": TODAY + timedelta(days=1),
    }
    with pytest.raises(ValidationError) as error:
        services.party_school_training_add(**base)
    assert "ends_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.party_school_training_add(
            **{**base, "ends_on": TODAY, "level": "township", "school": "甲镇党校"}
        )
    assert "level" in error.value.message_dict
    assert "县级以上" in error.value.message_dict["level"][0]
    with pytest.raises(ValidationError) as error:
        services.party_school_training_add(
            **{**base, "starts_on": TODAY, "ends_on": TODAY - timedelta(days=1)}
        )
    assert "ends_on" in error.value.message_dict
    assert not worker.member.school_trainings.exists()


def test_posts_only_in_grassroots_organisations_and_one_open_post_of_a_kind(world):
    a = world["a"]
    member = MemberFactory(branch=a["branch1"], full=True)
    with pytest.raises(ValidationError) as error:
        services.party_worker_save(
            actor=world["staff"],
            member=member,
            organization=a["county"],
            post="secretary",
            since=TODAY,
        )
    assert "organization" in error.value.message_dict
    services.party_worker_save(
        actor=world["staff"],
        member=member,
        organization=a["township"],
        post="committee",
        since=TODAY,
    )
    with pytest.raises(ValidationError) as error:
        services.party_worker_save(
            actor=world["staff"],
            member=member,
            organization=a["township"],
            post="committee",
            since=TODAY,
        )
    assert "post" in error.value.message_dict
    assert member.name in error.value.message_dict["post"][0]
    outsider = MemberFactory(branch=world["b"]["branch1"], full=True)
    with pytest.raises(ValidationError) as error:
        services.party_worker_save(
            actor=world["staff"],
            member=outsider,
            organization=a["branch1"],
            post="deputy",
            since=TODAY,
        )
    assert "member" in error.value.message_dict
    assert PartyWorker.objects.count() == 1


def test_ending_a_post_takes_the_worker_off_the_list(world):
    worker = post(world["staff"], world["a"]["branch1"], since=datetime.date(2018, 1, 1))
    with pytest.raises(ValidationError) as error:
        services.party_worker_end(actor=world["staff"], worker=worker, on=datetime.date(2017, 1, 1))
    assert "until" in error.value.message_dict
    services.party_worker_end(actor=world["staff"], worker=worker, on=TODAY - timedelta(days=1))
    assert selectors.rotation_status(PartyWorker.objects.all(), TODAY) == []


# --- pages and API ------------------------------------------------------------------------


def test_the_page_lists_due_and_overdue_in_bounded_queries(
    client, world, django_assert_max_num_queries
):
    a = world["a"]
    for i in range(3):
        post(
            world["staff"],
            a["branch1"],
            post="committee",
            since=datetime.date(2019, 1, 1),
            name=f"逾期{i}",
        )
    post(world["staff"], a["branch1"], since=TODAY - timedelta(days=10), name="新任书记")
    post(world["staff"], a["branch2"], since=datetime.date(2019, 1, 1), name="外支部委员")
    client.force_login(world["secretary"])
    url = reverse("education:party-school", args=[a["branch1"].pk])
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert "逾期0" in html and "新任书记" not in html and "外支部委员" not in html
    for i in range(3, 30):
        post(
            world["staff"],
            a["branch1"],
            post="committee",
            since=datetime.date(2019, 1, 1),
            name=f"逾期{i}",
        )
    with django_assert_max_num_queries(12):
        html = client.get(url, {"state": "all"}).content.decode()
    assert "逾期29" in html and "新任书记" in html
    assert client.get(reverse("education:party-school", args=[a["branch2"].pk])).status_code == 404
    assert (
        client.get(reverse("education:party-school", args=[world["b"]["branch1"].pk])).status_code
        == 404
    )


def test_recording_a_post_and_a_training_through_the_pages(client, world):
    a = world["a"]
    member = MemberFactory(branch=a["branch1"], full=True, name="李委员")
    client.force_login(world["secretary"])
    response = client.post(
        reverse("education:party-worker-create", args=[a["branch1"].pk]),
        {"member": member.pk, "post": "committee", "since": "2019-03-01"},
    )
    assert response.status_code == 302, response.context["form"].errors
    worker = PartyWorker.objects.get(member=member)
    form_url = reverse("education:party-school-training-create", args=[a["branch1"].pk])
    assert "李委员" in client.get(form_url, {"member": member.pk}).content.decode()
    future = client.post(
        form_url,
        {
            "member": member.pk,
            "school": "中共甲县委党校",
            "level": "county",
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + timedelta(days=3)).isoformat(),
        },
    )
    assert future.status_code == 200 and "ends_on" in future.context["form"].errors
    done = client.post(
        form_url,
        {
            "member": member.pk,
            "school": "中共甲县委党校",
            "level": "county",
            "starts_on": (TODAY - timedelta(days=7)).isoformat(),
            "ends_on": TODAY.isoformat(),
            "course": "基层党组织书记轮训班",
        },
    )
    assert done.status_code == 302
    assert worker.member.school_trainings.get().course == "基层党组织书记轮训班"


def test_api_rotation_trainings_and_scope(client, world):
    a, b = world["a"], world["b"]
    overdue = post(world["staff"], a["branch1"], since=datetime.date(2019, 1, 1))
    post(world["staff"], a["branch1"], post="deputy", since=TODAY - timedelta(days=5))
    client.force_login(world["secretary"])
    rows = client.get(
        "/api/v1/party-school-rotation/", {"organization": a["branch1"].pk, "state": "overdue"}
    ).json()["results"]
    assert [(r["worker"], r["state"], r["is_head"]) for r in rows] == [
        (overdue.pk, "overdue", True)
    ]
    assert (
        client.get("/api/v1/party-school-rotation/", {"organization": b["branch1"].pk}).status_code
        == 404
    )
    assert client.get("/api/v1/party-school-rotation/").status_code == 400

    refused = client.post(
        "/api/v1/party-school-trainings/",
        {
            "member": overdue.member_id,
            "school": "甲镇党校",
            "level": "township",
            "starts_on": "2026-01-05",
            "ends_on": "2026-01-09",
        },
        content_type="application/json",
    )
    assert refused.status_code == 400 and "level" in refused.json()
    created = client.post(
        "/api/v1/party-school-trainings/",
        {
            "member": overdue.member_id,
            "school": "中共甲市委党校",
            "level": "city",
            "starts_on": "2026-01-05",
            "ends_on": "2026-01-09",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    outsider = post(world["staff"], a["branch2"])
    workers = client.get("/api/v1/party-workers/").json()["results"]
    assert outsider.pk not in {w["id"] for w in workers}
    assert client.get(f"/api/v1/party-workers/{outsider.pk}/").status_code == 404
    assert (
        client.post(
            f"/api/v1/party-workers/{outsider.pk}/end/",
            {"on": "2026-01-01"},
            content_type="application/json",
        ).status_code
        == 404
    )
    new_post = client.post(
        "/api/v1/party-workers/",
        {
            "member": MemberFactory(branch=a["branch1"], full=True).pk,
            "organization": a["branch1"].pk,
            "post": "committee",
            "since": "2025-01-01",
        },
        content_type="application/json",
    )
    assert new_post.status_code == 201, new_post.json()


def test_reminders_page_panel_and_resolve(client, rf, world):
    from django.template.loader import render_to_string

    a, b = world["a"], world["b"]
    worker = post(world["staff"], a["branch1"], since=datetime.date(2019, 1, 1), name="张逾期")
    other_staff = UserFactory(username="staff_b")
    RoleAssignmentFactory(user=other_staff, role=Role.ORG_STAFF, organization=b["province"])
    post(other_staff, b["branch1"], since=datetime.date(2019, 1, 1), name="乙省书记")
    cycles.party_school(a["province"], TODAY)
    cycles.party_school(b["province"], TODAY)
    mine = Reminder.objects.get(member=worker.member)
    other = Reminder.objects.exclude(pk=mine.pk).get()
    client.force_login(world["secretary"])
    page = reverse("education:reminders", args=[a["branch1"].pk])
    assert "张逾期" in client.get(page).content.decode()
    assert client.get(reverse("education:reminders", args=[b["branch1"].pk])).status_code == 404
    assert client.post(reverse("education:reminder-resolve", args=[other.pk])).status_code == 404
    request = rf.get("/")
    request.user = world["secretary"]
    panel = render_to_string(
        "education/_reminders_panel.html", {"org": a["branch1"]}, request=request
    )
    assert "张逾期" in panel and "乙省书记" not in panel

    done = client.post(
        reverse("education:reminder-resolve", args=[mine.pk]), {"next": "https://evil.example/"}
    )
    assert done.status_code == 302 and done["Location"] == page
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.resolved_at is not None and other.resolved_at is None
    assert "张逾期" not in client.get(page).content.decode()
    assert "张逾期" in client.get(page, {"resolved": "1"}).content.decode()
    # Resolved reminders are not raised again for the same due date.
    cycles.party_school(a["province"], TODAY + timedelta(days=1))
    assert Reminder.objects.filter(member=worker.member).count() == 1


def test_ending_the_last_post_resolves_the_rotation_reminders(world):
    a = world["a"]
    since = add_years(TODAY, -4)
    worker = post(world["staff"], a["branch1"], since=since, name="王书记")
    second = services.party_worker_save(
        actor=world["staff"],
        member=worker.member,
        organization=a["township"],
        post="committee",
        since=since,
    )
    colleague = post(world["staff"], a["branch2"], since=since, name="李书记")
    cycles.party_school(a["province"], TODAY)
    reminders = Reminder.objects.filter(kind=ReminderKind.PARTY_SCHOOL_OVERDUE)
    assert {r.member_id for r in reminders} == {worker.member_id, colleague.member_id}

    services.party_worker_end(actor=world["staff"], worker=worker, on=TODAY)
    # Still a committee member of the township: the rotation is still owed.
    assert not reminders.filter(resolved_at__isnull=False).exists()
    services.party_worker_end(actor=world["staff"], worker=second, on=TODAY)
    assert set(reminders.filter(resolved_at__isnull=True).values_list("member", flat=True)) == {
        colleague.member_id
    }
