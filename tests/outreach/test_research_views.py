"""Pages and API of leaders' research days: the organisation department's
table, the drill-down, the leader's own page, scoping and query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from outreach.models import ContactPoint, ResearchVisit
from tests.factories import MemberFactory, RoleAssignmentFactory, UserFactory, province_tree

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1


@pytest.fixture
def world():
    a = province_tree("甲")
    b = province_tree("乙")
    staff = UserFactory()
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=a["county"])
    return {"a": a, "b": b, "staff": staff}


def leader(org, level="county", **kwargs):
    return MemberFactory(branch=org, full=True, leadership_level=level, **kwargs)


def add_visits(member, user, days, year=LAST_YEAR, hardship=False):
    """Visits of a few days each, on separate weeks of `year`, `days` in all."""
    start = datetime.date(year, 1, 5)
    left = Decimal(days)
    while left > 0:
        n = min(Decimal(5), left)
        ResearchVisit.objects.create(
            leader=member,
            started_on=start,
            days=n,
            place="甲村",
            hardship_area=hardship,
            findings="听取群众意见",
            recorded_by=user,
        )
        left -= n
        start += datetime.timedelta(days=7)


def test_the_table_shows_exactly_the_leaders_of_the_subtree(client, world):
    a, b, staff = world["a"], world["b"], world["staff"]
    short = leader(a["branch1"])
    add_visits(short, staff, 20)
    met = leader(a["branch2"], "city")
    add_visits(met, staff, 61)
    provincial = leader(a["branch2"], "provincial")
    add_visits(provincial, staff, 10)
    MemberFactory(branch=a["branch1"], full=True)  # not a leader
    leader(a["branch1"], left_on=datetime.date(2025, 1, 1), left_reason="transferred_out")
    outside = leader(b["branch1"])
    leader(a["city"])  # above the county: outside its subtree
    client.force_login(staff)
    response = client.get(reverse("outreach:research", args=[a["county"].pk]), {"year": LAST_YEAR})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.member.pk for r in rows] == [short.pk, provincial.pk, met.pk]  # most owed first
    assert [(r.done, r.required, r.owed) for r in rows] == [
        (20, 60, 40),
        (10, 30, 20),
        (61, 60, 0),
    ]
    assert response.context["short"] == 2
    assert b'class="table-danger"' in response.content
    assert client.get(reverse("outreach:research", args=[b["county"].pk])).status_code == 404
    assert client.get(reverse("outreach:leader_research", args=[outside.pk])).status_code == 404
    page = client.get(reverse("outreach:leader_research", args=[short.pk]), {"year": LAST_YEAR})
    assert page.status_code == 200
    assert page.context["summary"].done == 20
    assert len(page.context["visits"]) == 4
    xlsx = client.get(
        reverse("outreach:research", args=[a["county"].pk]), {"year": LAST_YEAR, "format": "xlsx"}
    )
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, {"year": LAST_YEAR}).status_code == 200
    return len(queries)


def test_the_table_takes_a_constant_number_of_queries(client, world):
    a, staff = world["a"], world["staff"]
    for org in (a["branch1"], a["branch2"]):
        add_visits(leader(org), staff, 12, hardship=True)
    client.force_login(staff)
    url = reverse("outreach:research", args=[a["county"].pk])
    few = _queries(client, url)
    for i in range(6):
        m = leader(a["branch1"] if i % 2 else a["branch2"], "city")
        add_visits(m, staff, 7)
        ContactPoint.objects.create(
            leader=m, organization=a["township"], since=datetime.date(2024, 1, 1)
        )
    assert _queries(client, url) == few
    assert few <= 12
    one = leader(a["branch1"])
    add_visits(one, staff, 30)
    drill = reverse("outreach:leader_research", args=[one.pk])
    before = _queries(client, drill)
    add_visits(one, staff, 15, year=LAST_YEAR)
    assert _queries(client, drill) == before


def test_the_leader_records_own_visits_on_the_own_page(client, world):
    a = world["a"]
    login = UserFactory()
    RoleAssignmentFactory(user=login, role=Role.MEMBER, organization=a["branch1"])
    me = leader(a["branch1"], user=login)
    client.force_login(login)
    url = reverse("outreach:my_research")
    today = timezone.localdate()
    start = today - datetime.timedelta(days=5)
    response = client.post(
        url,
        {
            "form": "visit",
            "started_on": start.isoformat(),
            "days": "2.5",
            "place": "甲村",
            "hardship_area": "on",
            "findings": "听取村民意见",
        },
    )
    assert response.status_code == 302
    assert ResearchVisit.objects.get(leader=me).days == Decimal("2.5")
    # The same days again: refused with a message on the field, nothing saved.
    response = client.post(
        url,
        {
            "form": "visit",
            "started_on": start.isoformat(),
            "days": "1",
            "findings": "x",
            "place": "乙村",
        },
    )
    assert response.status_code == 200
    assert response.context["visit_form"].errors["started_on"]
    assert ResearchVisit.objects.filter(leader=me).count() == 1
    page = client.get(url)
    summary = page.context["summary"]
    if start.year == today.year:
        assert (summary.done, summary.required, summary.owed) == (2.5, 60, 57.5)
        assert summary.share_hardship == 100
    # A contact point by unit code.
    response = client.post(
        url,
        {
            "form": "contact_point",
            "organization_code": a["branch2"].code,
            "since": start.isoformat(),
            "weak_unit": "on",
        },
    )
    assert response.status_code == 302
    assert ContactPoint.objects.get(leader=me).weak_unit
    # Another leader's page is out of reach of a member.
    other = leader(a["branch1"])
    assert client.get(reverse("outreach:leader_research", args=[other.pk])).status_code == 404
    # A member who is no leader sees an explanation.
    plain_login = UserFactory()
    MemberFactory(branch=a["branch1"], full=True, user=plain_login)
    RoleAssignmentFactory(user=plain_login, role=Role.MEMBER, organization=a["branch1"])
    client.force_login(plain_login)
    response = client.get(url)
    assert response.status_code == 200
    assert "summary" not in response.context


def test_the_secretary_sees_but_may_not_record(client, world):
    a = world["a"]
    secretary = UserFactory()
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    one = leader(a["branch1"])
    add_visits(one, world["staff"], 5)
    client.force_login(secretary)
    url = reverse("outreach:leader_research", args=[one.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"form": "visit"}).status_code == 403
    visit = ResearchVisit.objects.filter(leader=one).first()
    assert (
        client.post(reverse("outreach:research_visit_delete", args=[visit.pk])).status_code == 403
    )
    assert ResearchVisit.objects.filter(pk=visit.pk).exists()


def test_api_is_scoped_and_refuses_overlaps(client, world):
    a, b, staff = world["a"], world["b"], world["staff"]
    mine = leader(a["branch1"])
    theirs = leader(b["branch1"])
    add_visits(theirs, staff, 5)
    client.force_login(staff)
    payload = {
        "leader": mine.pk,
        "started_on": f"{LAST_YEAR}-03-01",
        "days": "3",
        "place": "甲村",
        "findings": "听取群众意见",
        "hardship_area": True,
    }
    response = client.post("/api/v1/research-visits/", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    response = client.post(
        "/api/v1/research-visits/",
        payload | {"started_on": f"{LAST_YEAR}-03-02", "days": "1"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "started_on" in response.json()
    response = client.post(
        "/api/v1/research-visits/", payload | {"leader": theirs.pk}, content_type="application/json"
    )
    assert response.status_code == 404
    rows = client.get("/api/v1/research-visits/", {"year": LAST_YEAR}).json()["results"]
    assert [r["leader"] for r in rows] == [mine.pk]
    other = ResearchVisit.objects.filter(leader=theirs).first()
    assert client.get(f"/api/v1/research-visits/{other.pk}/").status_code == 404
    summary = client.get(f"/api/v1/research-summaries/{mine.pk}/", {"year": LAST_YEAR}).json()
    assert (Decimal(summary["done"]), Decimal(summary["required"]), Decimal(summary["owed"])) == (
        3,
        60,
        57,
    )
    assert client.get(f"/api/v1/research-summaries/{theirs.pk}/").status_code == 404
    response = client.post(
        "/api/v1/contact-points/",
        {"leader": mine.pk, "organization_code": a["branch2"].code, "since": f"{LAST_YEAR}-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    point = response.json()["id"]
    response = client.post(
        f"/api/v1/contact-points/{point}/end/",
        {"until": f"{LAST_YEAR}-12-31"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["until"] == f"{LAST_YEAR}-12-31"
    response = client.post(
        "/api/v1/contact-points/",
        {"leader": mine.pk, "organization_code": b["branch1"].code, "since": f"{LAST_YEAR}-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "organization_code" in response.json()
    visit = ResearchVisit.objects.get(leader=mine)
    assert client.delete(f"/api/v1/research-visits/{visit.pk}/").status_code == 204


def test_every_id_url_answers_404_out_of_reach(client):
    """The walk of tests/test_scope_walk.py on this area's URLs, with walk_research."""
    from tests.outreach.walk_research import add_research

    a, b = province_tree("甲"), province_tree("乙")
    walker = UserFactory()
    RoleAssignmentFactory(user=walker, role=Role.SECRETARY, organization=a["branch1"])
    add_research(a, b, walker)
    client.force_login(walker)
    inside = {
        "member": ResearchVisit.objects.get(leader__branch=a["branch1"]).leader_id,
        "visit": ResearchVisit.objects.get(leader__branch=a["branch1"]).pk,
        "point": ContactPoint.objects.get(leader__branch=a["branch1"]).pk,
        "org": a["branch1"].pk,
    }
    outside = {
        "member": list(
            ResearchVisit.objects.exclude(leader__branch=a["branch1"]).values_list(
                "leader_id", flat=True
            )
        ),
        "visit": list(
            ResearchVisit.objects.exclude(leader__branch=a["branch1"]).values_list("pk", flat=True)
        ),
        "point": list(
            ContactPoint.objects.exclude(leader__branch=a["branch1"]).values_list("pk", flat=True)
        ),
        "org": [a["branch2"].pk, b["branch1"].pk],
    }
    urls = [
        ("outreach:research", "org"),
        ("outreach:leader_research", "member"),
        ("outreach:research_visit_delete", "visit"),
        ("outreach:contact_point_end", "point"),
    ]
    api = [
        ("/api/v1/research-visits/{}/", "visit"),
        ("/api/v1/contact-points/{}/", "point"),
        ("/api/v1/contact-points/{}/end/", "point"),
        ("/api/v1/research-summaries/{}/", "member"),
    ]
    for name, kind in urls:
        assert client.get(reverse(name, args=[inside[kind]])).status_code != 404, name
        for pk in outside[kind]:
            for method in ("get", "post"):
                status = getattr(client, method)(reverse(name, args=[pk])).status_code
                assert status in (403, 404, 405), (name, pk, method, status)
    for pattern, kind in api:
        assert client.get(pattern.format(inside[kind])).status_code != 404, pattern
        for pk in outside[kind]:
            for method in ("get", "post", "delete"):
                status = getattr(client, method)(pattern.format(pk)).status_code
                assert status in (403, 404, 405), (pattern, pk, method, status)
    assert ResearchVisit.objects.count() == 3
    assert not ContactPoint.objects.filter(until__isnull=False).exists()
