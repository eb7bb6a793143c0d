"""Pages and API of the responsibility area: what county staff see and do,
404 outside reach, no outside rows in lists, constant queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accountability.responsibility import services
from accountability.responsibility.models import (
    AccountabilityRecord,
    Commendation,
    LeadingGroupMeeting,
    ResponsibilityAssignment,
)
from outreach.models import ContactPoint, ResearchVisit
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def assign(world, member, role="first", org=None, actor="county", **kwargs):
    return services.assignment_start(
        actor=world["u"][actor],
        organization=org or world["a"]["county"],
        role=role,
        member=member,
        post=kwargs.pop("post", "书记"),
        valid_from=kwargs.pop("valid_from", TODAY - 100 * DAY),
        **kwargs,
    )


def test_assignment_page_shows_current_and_history_and_adds(client, world, people):
    a = world["a"]
    old = assign(world, people["li"])
    client.force_login(world["u"]["county"])
    url = reverse("responsibility:assignments", args=[a["county"].pk])
    response = client.post(
        url,
        {
            "role": "first",
            "member": people["wang"].pk,
            "post": "县委书记",
            "valid_from": (TODAY - DAY).isoformat(),
        },
    )
    assert response.status_code == 302
    response = client.get(url)
    assert [r.member for r in response.context["current"]] == [people["wang"]]
    assert [r.pk for r in response.context["history"]] == [old.pk]
    assert "王副书记" in response.text and "李书记" in response.text
    # Bad input is named by field; a member outside the county is not offered.
    response = client.post(
        url,
        {
            "role": "shared",
            "member": people["zhao"].pk,
            "post": "部长",
            "valid_from": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200 and "duties" in response.context["form"].errors
    response = client.post(
        url,
        {
            "role": "shared",
            "member": people["outsider"].pk,
            "post": "x",
            "duties": "y",
            "valid_from": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200 and "member" in response.context["form"].errors
    # End the current one.
    current = response.context["current"][0]
    response = client.post(
        reverse("responsibility:assignment_end", args=[current.pk]), {"on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    current.refresh_from_db()
    assert current.valid_to == TODAY


def test_a_branch_secretary_cannot_write_the_committees_assignments(client, world, people):
    a = world["a"]
    row = assign(world, people["li"])
    client.force_login(world["u"]["secretary"])
    url = reverse("responsibility:assignments", args=[a["county"].pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"role": "first"}).status_code == 404
    assert client.post(reverse("responsibility:assignment_end", args=[row.pk])).status_code == 404
    # Its own branch page answers, without a form: a branch carries no such responsibility.
    response = client.get(reverse("responsibility:assignments", args=[a["branch1"].pk]))
    assert response.status_code == 200 and response.context["form"] is None
    # The inspector sees but may not write.
    client.force_login(world["u"]["inspector"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"role": "first"}).status_code == 403
    assert client.post(reverse("responsibility:assignment_end", args=[row.pk])).status_code == 403
    row.refresh_from_db()
    assert row.valid_to is None


def test_leading_group_page(client, world, people):
    a = world["a"]
    client.force_login(world["u"]["county"])
    url = reverse("responsibility:group", args=[a["county"].pk])
    assert client.get(url).context["group"] is None
    assert client.post(url, {"set_up_on": (TODAY - 10 * DAY).isoformat()}).status_code == 302
    group = client.get(url).context["group"]
    response = client.post(
        reverse("responsibility:group_seat_add", args=[group.pk]),
        {
            "member": people["li"].pk,
            "group_role": "head",
            "post": "书记",
            "since": (TODAY - 5 * DAY).isoformat(),
        },
    )
    assert response.status_code == 302
    seat = group.members.get()
    response = client.post(
        reverse("responsibility:group_meeting_add", args=[group.pk]),
        {
            "held_on": TODAY.isoformat(),
            "topics": "研究整顿",
            "decisions": "确定对象",
            "attendees": [seat.pk],
        },
    )
    assert response.status_code == 302
    response = client.get(url)
    assert "研究整顿" in response.text and "李书记" in response.text
    assert LeadingGroupMeeting.objects.get().attendees.get() == seat
    # Other counties get 404 on the group's pages and actions.
    client.force_login(world["u"]["other_county"])
    assert client.get(url).status_code == 404
    assert client.post(reverse("responsibility:group_seat_end", args=[seat.pk])).status_code == 404
    assert (
        client.post(reverse("responsibility:group_meeting_add", args=[group.pk])).status_code == 404
    )


def nominate(world, people, awarder, nominee="li", year=None):
    return services.commendation_nominate(
        actor=world["u"]["county"],
        nominated_by=world["a"]["county"],
        awarded_by=awarder,
        kind="excellent_member",
        year=year or TODAY.year,
        deeds="服务群众",
        nominee_member=people[nominee],
    )


def test_commendation_pages_list_per_year_and_decide(client, world, people):
    a = world["a"]
    row = nominate(world, people, a["county"])
    last_year = nominate(world, people, a["county"], nominee="wang", year=TODAY.year - 1)
    client.force_login(world["u"]["county"])
    url = reverse("responsibility:commendations", args=[a["county"].pk])
    response = client.get(url)
    assert [c.pk for c in response.context["page"]] == [row.pk]
    response = client.get(url, {"year": TODAY.year - 1})
    assert [c.pk for c in response.context["page"]] == [last_year.pk]
    assert len(client.get(url, {"status": "awarded"}).context["page"]) == 0
    response = client.post(
        reverse("responsibility:commendation_decide", args=[row.pk, "award"]), {"note": "表彰"}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "awarded"
    response = client.post(
        url,
        {
            "kind": "advanced_org",
            "year": TODAY.year,
            "awarded_by": a["city"].pk,
            "nominee_org": a["branch2"].pk,
            "deeds": "阵地建设规范",
        },
    )
    assert response.status_code == 302
    assert Commendation.objects.get(nominee_org=a["branch2"]).awarded_by == a["city"]
    response = client.post(
        url,
        {
            "kind": "excellent_worker",
            "year": TODAY.year,
            "awarded_by": a["county"].pk,
            "deeds": "x",
        },
    )
    assert response.status_code == 200 and "nominee_member" in response.context["form"].errors
    # The secretary of the nominee's branch sees it; another county does not.
    client.force_login(world["u"]["secretary"])
    response = client.get(reverse("responsibility:commendations", args=[a["branch1"].pk]))
    assert response.status_code == 200
    assert client.get(url).status_code == 404
    assert (
        client.post(
            reverse("responsibility:commendation_decide", args=[last_year.pk, "award"])
        ).status_code
        == 403
    )
    client.force_login(world["u"]["other_county"])
    assert (
        client.post(
            reverse("responsibility:commendation_decide", args=[last_year.pk, "decline"])
        ).status_code
        == 404
    )
    last_year.refresh_from_db()
    assert last_year.status == "nominated"


def test_records_page_and_scoping(client, world, people):
    a = world["a"]
    client.force_login(world["u"]["county"])
    url = reverse("responsibility:records", args=[a["county"].pk])
    response = client.post(
        url,
        {
            "organization": a["township"].pk,
            "decided_on": TODAY.isoformat(),
            "measure": "circular",
            "failure": "整顿不力",
        },
    )
    assert response.status_code == 302
    other = services.record_create(
        actor=world["u"]["other_county"],
        decided_by=world["county2"],
        organization=world["branch3"],
        decided_on=TODAY,
        failure="x",
        measure="talk",
    )
    response = client.get(url)
    assert [r.organization for r in response.context["page"]] == [a["township"]]
    response = client.post(
        url,
        {"organization": world["branch3"].pk, "decided_on": "", "measure": "talk", "failure": "x"},
    )
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    client.force_login(world["u"]["other_county"])
    assert client.get(url).status_code == 404
    response = client.get(reverse("responsibility:records", args=[world["county2"].pk]))
    assert [r.pk for r in response.context["page"]] == [other.pk]
    assert AccountabilityRecord.objects.count() == 2


def test_contact_points_page_weak_units_first_with_days(client, world, people):
    a = world["a"]
    leader = MemberFactory(branch=a["branch1"], full=True, leadership_level="county")
    plain = ContactPoint.objects.create(
        leader=leader, organization=a["branch1"], since=TODAY - 300 * DAY
    )
    weak = ContactPoint.objects.create(
        leader=leader, organization=a["branch2"], since=TODAY - 300 * DAY, weak_unit=True
    )
    ContactPoint.objects.create(
        leader=MemberFactory(branch=world["branch3"], full=True, leadership_level="county"),
        organization=world["branch3"],
        since=TODAY - 300 * DAY,
        weak_unit=True,
    )
    ResearchVisit.objects.create(
        leader=leader,
        started_on=TODAY.replace(month=1, day=5),
        days=2,
        contact_point=weak,
        place=a["branch2"].name,
        findings="听取意见",
        recorded_by=world["u"]["county"],
    )
    client.force_login(world["u"]["county"])
    response = client.get(reverse("responsibility:contact_points", args=[a["county"].pk]))
    assert response.status_code == 200
    assert [p.pk for p in response.context["rows"]] == [weak.pk, plain.pk]
    assert response.context["weak_count"] == 1
    assert response.context["rows"][0].year_days == 2
    assert reverse("outreach:leader_research", args=[leader.pk]) in response.text


def test_list_pages_use_constant_queries(client, world, people, django_assert_max_num_queries):
    """Every list page costs as many queries with 9 rows of each kind as with 3."""
    a = world["a"]
    county = world["u"]["county"]
    group = services.group_set_up(
        actor=county, organization=a["county"], set_up_on=TODAY - 200 * DAY
    )

    def add_rows(n, start):
        member = None
        for i in range(start, start + n):
            member = MemberFactory(branch=a["branch2"], full=True, leadership_level="county")
            assign(world, member, role="shared", post=f"常委{i}", duties="分管")
            services.commendation_nominate(
                actor=county,
                nominated_by=a["county"],
                awarded_by=a["county"],
                kind="excellent_member",
                year=TODAY.year,
                deeds="x",
                nominee_member=member,
            )
            services.record_create(
                actor=county,
                decided_by=a["county"],
                organization=a["township"],
                decided_on=TODAY,
                failure="x",
                measure="talk",
                member=member,
            )
            seat = services.group_member_add(
                actor=county,
                group=group,
                member=member,
                group_role="member",
                post=f"组员{i}",
                since=TODAY - 100 * DAY,
            )
            services.meeting_record(
                actor=county,
                group=group,
                held_on=TODAY - DAY,
                topics="研究党建",
                decisions="抓落实",
                attendees=[seat],
            )
            point = ContactPoint.objects.create(
                leader=member, organization=a["branch2"], since=TODAY - 300 * DAY
            )
            ResearchVisit.objects.create(
                leader=member,
                started_on=TODAY.replace(month=1, day=5),
                days=1,
                contact_point=point,
                place=a["branch2"].name,
                findings="听取意见",
                recorded_by=county,
            )
        return member

    names = ("assignments", "commendations", "records", "contact_points", "group")
    urls = [reverse(f"responsibility:{name}", args=[a["county"].pk]) for name in names]
    client.force_login(county)
    add_rows(3, 0)
    counts = []
    for url in urls:
        with django_assert_max_num_queries(30) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    last = add_rows(6, 3)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            response = client.get(url)
        assert response.status_code == 200 and last.name in response.text, url


API = "/api/v1/"


def test_api_create_list_actions_and_scoping(client, world, people):
    a = world["a"]
    client.force_login(world["u"]["county"])
    response = client.post(
        f"{API}responsibility-assignments/",
        {
            "organization": a["county"].pk,
            "role": "first",
            "member": people["li"].pk,
            "post": "县委书记",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = client.post(
        f"{API}responsibility-assignments/",
        {"organization": a["county"].pk, "role": "first", "member": people["far"].pk, "post": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "member" in response.json()
    assert client.post(f"{API}responsibility-assignments/{pk}/end/").status_code == 200
    assert ResponsibilityAssignment.objects.get(pk=pk).valid_to == TODAY
    response = client.post(
        f"{API}commendations/",
        {
            "kind": "excellent_member",
            "year": TODAY.year,
            "nominated_by": a["county"].pk,
            "awarded_by": a["county"].pk,
            "nominee_member": people["wang"].pk,
            "deeds": "服务群众",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    commendation = response.json()["id"]
    assert client.post(f"{API}commendations/{commendation}/award/").json()["status"] == "awarded"
    response = client.post(
        f"{API}accountability-records/",
        {
            "decided_by": a["county"].pk,
            "organization": a["township"].pk,
            "decided_on": TODAY.isoformat(),
            "failure": "整顿不力",
            "measure": "organizational",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    response = client.post(
        f"{API}leading-groups/",
        {"organization": a["county"].pk, "set_up_on": TODAY.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201
    group = response.json()["id"]
    seat = client.post(
        f"{API}leading-groups/{group}/members/",
        {"member": people["li"].pk, "group_role": "head", "post": "书记"},
        content_type="application/json",
    )
    assert seat.status_code == 201
    response = client.post(
        f"{API}leading-groups/{group}/meetings/",
        {
            "held_on": TODAY.isoformat(),
            "topics": "研究",
            "decisions": "部署",
            "attendees": [seat.json()["id"]],
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    # Another county: lists empty, details and actions 404.
    client.force_login(world["u"]["other_county"])
    for prefix in (
        "responsibility-assignments",
        "commendations",
        "accountability-records",
        "leading-groups",
        "leading-group-members",
        "leading-group-meetings",
    ):
        assert client.get(f"{API}{prefix}/").json()["results"] == [], prefix
    assert client.get(f"{API}responsibility-assignments/{pk}/").status_code == 404
    assert client.post(f"{API}responsibility-assignments/{pk}/end/").status_code == 404
    assert client.post(f"{API}commendations/{commendation}/decline/").status_code == 404
    assert client.post(f"{API}leading-groups/{group}/meetings/", {}).status_code == 404
    response = client.post(
        f"{API}responsibility-assignments/",
        {"organization": a["county"].pk, "role": "first", "member": people["li"].pk, "post": "x"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_the_organisation_page_links_here(client, world):
    a = world["a"]
    client.force_login(world["u"]["county"])
    response = client.get(reverse("branches:detail", args=[a["county"].pk]))
    assert reverse("responsibility:assignments", args=[a["county"].pk]) in response.text
    assert reverse("responsibility:group", args=[a["county"].pk]) in response.text
    client.force_login(world["u"]["secretary"])
    response = client.get(reverse("branches:detail", args=[a["branch1"].pk]))
    own = reverse("responsibility:assignments", args=[a["branch1"].pk])
    assert f'href="{own}"' not in response.text
    assert reverse("responsibility:commendations", args=[a["branch1"].pk]) in response.text


def test_long_lists_become_number_fields(client, world, people, monkeypatch):
    from accountability.responsibility import forms

    monkeypatch.setattr(forms, "SELECT_LIMIT", 1)
    a = world["a"]
    client.force_login(world["u"]["county"])
    url = reverse("responsibility:records", args=[a["county"].pk])
    response = client.get(url)
    assert 'type="number" name="organization"' in response.text
    assert 'type="number" name="member"' in response.text
    response = client.post(
        url,
        {
            "organization": a["branch2"].pk,
            "member": people["zhao"].pk,
            "decided_on": TODAY.isoformat(),
            "measure": "disciplinary",
            "failure": "长期不开展组织生活",
        },
    )
    assert response.status_code == 302
    assert AccountabilityRecord.objects.get().member == people["zhao"]
    # An id outside the list is refused by the form, never looked up elsewhere.
    response = client.post(
        url,
        {
            "organization": world["branch3"].pk,
            "member": people["outsider"].pk,
            "decided_on": TODAY.isoformat(),
            "measure": "talk",
            "failure": "x",
        },
    )
    assert response.status_code == 200
    assert {"organization", "member"} <= set(response.context["form"].errors)
