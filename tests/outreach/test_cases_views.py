"""Pages and API of stations, receptions and cases: scope (another county or
province is 404), filters, counts per child organisation, query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from outreach import services_cases as services
from outreach.models import Case, ReceptionSlot, ServiceStation
from tests.outreach.walk_cases import cases_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world():
    return cases_world()


def make(world, org, days_ago=2, actor="county", channel="hotline", **kwargs):
    return services.case_create(
        actor=world["u"][actor],
        organization=org,
        channel=channel,
        received_on=TODAY - datetime.timedelta(days=days_ago),
        requester_name="张桂芳",
        requester_contact="13700000002",
        request="希望增设公交站点。",
        **kwargs,
    )


def test_a_case_of_another_county_or_province_is_404_on_page_and_api(client, world):
    a, b = world["a"], world["b"]
    mine = make(world, a["branch1"])
    other_county = make(world, world["branch3"], actor="other_county")
    other_province = make(world, b["branch1"], actor="other_province")
    client.force_login(world["u"]["county"])
    assert client.get(reverse("outreach:case", args=[mine.pk])).status_code == 200
    for case in (other_county, other_province):
        assert client.get(reverse("outreach:case", args=[case.pk])).status_code == 404
        assert client.get(f"/api/v1/outreach/cases/{case.pk}/").status_code == 404
        url = reverse("outreach:case_step", args=[case.pk, "answer"])
        assert client.post(url, {"status": "solved"}).status_code == 404
        answer = client.post(
            f"/api/v1/outreach/cases/{case.pk}/answer/",
            {"status": "solved", "outcome": "x", "feedback_on": TODAY.isoformat()},
        )
        assert answer.status_code == 404
    for org in (world["county2"], b["province"]):
        for name in ("outreach:cases", "outreach:stations", "outreach:receptions"):
            assert client.get(reverse(name, args=[org.pk])).status_code == 404
        assert client.get(reverse("outreach:case_create", args=[org.pk])).status_code == 404
    ids = [row["id"] for row in client.get("/api/v1/outreach/cases/").json()["results"]]
    assert ids == [mine.pk]
    # Creating in another province through the API: 404 too.
    response = client.post(
        "/api/v1/outreach/cases/",
        {
            "organization": b["branch1"].pk,
            "channel": "hotline",
            "received_on": TODAY.isoformat(),
            "requester_name": "x",
            "request": "y",
        },
    )
    assert response.status_code == 404


def test_an_inspector_sees_but_may_not_act_and_does_not_see_contacts(client, world):
    case = make(world, world["a"]["branch1"])
    client.force_login(world["u"]["inspector"])
    page = client.get(reverse("outreach:case", args=[case.pk]))
    assert page.status_code == 200 and "13700000002" not in page.content.decode()
    assert client.get(f"/api/v1/outreach/cases/{case.pk}/").json()["requester_contact"] == ""
    assert client.post(reverse("outreach:case_step", args=[case.pk, "reopen"])).status_code == 403
    assert (
        client.get(reverse("outreach:case_create", args=[world["a"]["county"].pk])).status_code
        == 403
    )
    client.force_login(world["u"]["county"])
    assert "13700000002" in client.get(reverse("outreach:case", args=[case.pk])).content.decode()


def test_the_case_workflow_through_the_pages(client, world):
    a = world["a"]
    client.force_login(world["u"]["secretary"])
    url = reverse("outreach:case_create", args=[a["branch1"].pk])
    assert client.get(url).status_code == 200
    received = TODAY - datetime.timedelta(days=1)
    response = client.post(
        url,
        {
            "channel": "box",
            "received_on": received.isoformat(),
            "requester_name": "匿名群众",
            "request": "建议村务公开栏按月更新。",
            "handler": world["u"]["secretary"].pk,
        },
    )
    case = Case.objects.get(requester_name="匿名群众")
    assert response.status_code == 302
    assert case.feedback_due == received + datetime.timedelta(days=15)
    step = reverse("outreach:case_step", args=[case.pk, "answer"])
    client.post(
        step, {"status": "explained", "outcome": "已解释", "feedback_on": TODAY.isoformat()}
    )
    case.refresh_from_db()
    assert case.status == "open"  # refused: no department
    client.post(
        step,
        {
            "status": "explained",
            "outcome": "已解释",
            "follow_up_department": "镇党政办",
            "feedback_on": TODAY.isoformat(),
        },
    )
    case.refresh_from_db()
    assert case.status == "explained"
    client.post(reverse("outreach:case_step", args=[case.pk, "reopen"]), {"note": "仍未公开"})
    case.refresh_from_db()
    assert case.status == "open" and case.satisfaction == "unsatisfied"
    assert client.post(reverse("outreach:case_step", args=[case.pk, "nonsense"])).status_code == 404
    page = client.get(reverse("outreach:case", args=[case.pk])).content.decode()
    assert "仍未公开" in page  # the reopening note in the history


def test_filters_and_counts_per_child(client, world):
    a = world["a"]
    late = make(world, a["branch1"], days_ago=20)
    box = make(world, a["branch2"], channel="box")
    solved = make(world, a["branch1"])
    services.case_answer(
        actor=world["u"]["county"], case=solved, status="solved", outcome="已办", feedback_on=TODAY
    )
    at_county = make(world, a["county"])
    client.force_login(world["u"]["county"])
    url = reverse("outreach:cases", args=[a["county"].pk])

    def ids(**params):
        page = client.get(url, params)
        assert page.status_code == 200
        return {c.pk for c in page.context["page"]}

    assert ids() == {late.pk, box.pk, solved.pk, at_county.pk}
    assert ids(overdue="on") == {late.pk}
    assert ids(channel="box") == {box.pk}
    assert ids(status="solved") == {solved.pk}
    assert ids(status="open") == {late.pk, box.pk, at_county.pk}
    assert ids(organization=a["branch2"].pk) == {box.pk}
    assert client.get(url, {"organization": world["county2"].pk}).status_code == 404
    counts = client.get(url).context["counts"]
    by_org = {(c.organization.pk if c.organization else None): c for c in counts}
    township = by_org[a["township"].pk]
    assert (township.open, township.overdue, township.total) == (2, 1, 3)
    assert by_org[None].total == 1  # the county's own case
    api = client.get("/api/v1/outreach/cases/", {"within": a["branch1"].pk, "status": "open"})
    assert [row["id"] for row in api.json()["results"]] == [late.pk]


def test_the_list_page_query_count_is_constant(client, world, django_assert_max_num_queries):
    a = world["a"]
    client.force_login(world["u"]["county"])
    url = reverse("outreach:cases", args=[a["county"].pk])
    make(world, a["branch1"])
    client.get(url)
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for i in range(12):
        make(world, a["branch1"] if i % 2 else a["branch2"], days_ago=i)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/outreach/cases/").status_code == 200


def test_stations_and_receptions_pages_and_api(client, world):
    a, b = world["a"], world["b"]
    client.force_login(world["u"]["secretary"])
    url = reverse("outreach:stations", args=[a["branch1"].pk])
    response = client.post(
        url,
        {
            "kind": "station",
            "name": "川支部1党员服务站",
            "address": "村委会一楼",
            "services": "代办证明、政策咨询",
            "opening_hours": "周一至周五 9:00-17:00",
            "active": "on",
        },
    )
    assert response.status_code == 302
    station = ServiceStation.objects.get(name="川支部1党员服务站")
    assert client.get(url).context["rows"][0][0] == station
    edit = reverse("outreach:station_edit", args=[station.pk])
    assert client.get(edit).status_code == 200
    api = client.post(
        "/api/v1/outreach/stations/",
        {
            "organization": b["branch1"].pk,
            "kind": "point",
            "name": "x",
            "address": "y",
            "services": "z",
            "opening_hours": "w",
        },
    )
    assert api.status_code == 404
    start = timezone.now() + datetime.timedelta(days=2)
    rec = client.post(
        reverse("outreach:receptions", args=[a["branch1"].pk]),
        {
            "leader": world["leader"].pk,
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "place": "镇便民服务中心",
        },
    )
    assert rec.status_code == 302
    slot = ReceptionSlot.objects.get()
    # The leader (member role) sees their own slot, and no case.
    client.force_login(world["u"]["member"])
    page = client.get(reverse("outreach:receptions", args=[a["branch1"].pk]))
    assert page.status_code == 200 and list(page.context["mine"]) == [slot]
    assert page.context["form"] is None
    assert [r["id"] for r in client.get("/api/v1/outreach/receptions/").json()["results"]] == [
        slot.pk
    ]
    assert client.get("/api/v1/outreach/cases/").json()["results"] == []
    client.force_login(world["u"]["other_province"])
    assert client.get(edit).status_code == 404
    assert client.get(f"/api/v1/outreach/stations/{station.pk}/").status_code == 404
    assert client.get(f"/api/v1/outreach/receptions/{slot.pk}/").status_code == 404


def test_the_xlsx_export_follows_the_filters_and_hides_contacts_from_viewers(client, world):
    import io

    from openpyxl import load_workbook

    a = world["a"]
    late = make(world, a["branch1"], days_ago=20)
    make(world, a["branch2"], channel="box")
    url = reverse("outreach:cases", args=[a["county"].pk])

    def rows(user, **params):
        client.force_login(user)
        response = client.get(url, {"format": "xlsx", **params})
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        return list(sheet.iter_rows(min_row=2, values_only=True))

    county_rows = rows(world["u"]["county"], overdue="on")
    assert [r[0] for r in county_rows] == [late.pk]
    assert county_rows[0][5] == "13700000002"
    inspector_rows = rows(world["u"]["inspector"])
    assert len(inspector_rows) == 2 and all(r[5] is None for r in inspector_rows)
