"""Pages and API of assessments: drafting and publishing a scheme, the scheme page
(sorting, grade counts, constant queries), the scorecard page from both sides,
scoring, outcome, 述职, evidence download, the cadre page; 404 outside reach."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accountability.assessments import services
from accountability.assessments.models import AssessmentScheme, Score, Scorecard
from accountability.models import RectificationOrder
from tests.accountability.walk import PDF
from tests.factories import OrganizationFactory, province_tree

from .conftest import YEAR, make_scheme
from .walk import add_assessments

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_drafting_adding_indicators_and_publishing_through_the_pages(client, world):
    a = world["a"]
    client.force_login(world["u"]["city"])
    url = reverse("assessments:schemes", args=[a["city"].pk])
    response = client.get(url)
    assert response.status_code == 200 and response.context["form"] is not None
    response = client.post(
        url,
        {
            "year": YEAR,
            "title": "年度考核",
            "grade_good": 90,
            "grade_fairly_good": 80,
            "grade_average": 60,
        },
    )
    scheme = AssessmentScheme.objects.get()
    assert response.url == reverse("assessments:scheme", args=[scheme.pk])
    response = client.post(
        url,
        {
            "year": YEAR,
            "title": "再",
            "grade_good": 90,
            "grade_fairly_good": 80,
            "grade_average": 60,
        },
    )
    assert response.status_code == 200 and "year" in response.context["form"].errors
    step = reverse("assessments:scheme_step", args=[scheme.pk, "indicator"])
    client.post(
        step,
        {
            "name": "党员",
            "kind": "computed",
            "weight": "40",
            "figure_key": "members",
            "target": "10",
        },
    )
    client.post(step, {"name": "书记抓党建", "kind": "manual", "weight": "50"})
    page = client.get(reverse("assessments:scheme", args=[scheme.pk]))
    assert page.context["weight_total"] == Decimal(90)
    assert "÷" in page.content.decode()  # the scoring rule is shown (× value ÷ target)
    publish = reverse("assessments:scheme_step", args=[scheme.pk, "publish"])
    response = client.post(publish, follow=True)
    assert "90.00" in response.content.decode()  # the message names the total
    scheme.refresh_from_db()
    assert scheme.status == "draft"
    client.post(step, {"name": "组织建设", "kind": "manual", "weight": "10"})
    client.post(publish)
    scheme.refresh_from_db()
    assert scheme.status == "published" and scheme.scorecards.count() == 2
    # Frozen: adding or removing does nothing but say why.
    client.post(step, {"name": "晚了", "kind": "manual", "weight": "1"})
    indicator = scheme.indicators.first()
    client.post(reverse("assessments:indicator_delete", args=[indicator.pk]))
    assert scheme.indicators.count() == 3


def test_scheme_page_sorts_counts_grades_in_constant_queries(
    client, world, django_assert_max_num_queries
):
    a = world["a"]
    for n in range(6):
        OrganizationFactory(
            name=f"川县{n}", parent=a["city"], kind="local_committee", level="county"
        )
    scheme = make_scheme(world)
    city = world["u"]["city"]
    manual = scheme.indicators.get(kind="manual")
    for scorecard, points in zip(
        scheme.scorecards.order_by("pk")[:3], ("60", "10", "55"), strict=True
    ):
        services.score_manual(actor=city, scorecard=scorecard, indicator=manual, points=points)
        services.scorecard_finalise(actor=city, scorecard=scorecard)
    client.force_login(city)
    url = reverse("assessments:scheme", args=[scheme.pk])
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    totals = [c.total for c in response.context["page"]]
    finals = [t for t in totals if t is not None]
    assert finals == sorted(finals, reverse=True) and totals[: len(finals)] == finals
    counts = {grade: n for grade, _label, n in response.context["grades"]}
    assert sum(counts.values()) == 3
    names = [c.organization.path for c in client.get(url, {"sort": "name"}).context["page"]]
    assert names == sorted(names)
    OrganizationFactory(name="川县x", parent=a["city"], kind="local_committee", level="county")
    with django_assert_max_num_queries(14):
        assert client.get(url, {"sort": "grade"}).status_code == 200


def test_scorecard_page_from_both_sides(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = world["a"]
    scheme = make_scheme(world)
    county = Scorecard.objects.get(scheme=scheme, organization=a["county"])
    url = reverse("assessments:scorecard", args=[county.pk])
    step = lambda name: reverse("assessments:scorecard_step", args=[county.pk, name])  # noqa: E731
    manual = scheme.indicators.get(kind="manual")
    client.force_login(world["u"]["city"])
    response = client.get(url)
    body = response.content.decode()
    assert response.context["can_assess"] and 'data-test="value">5.00' in body
    assert reverse("branches:detail", args=[a["county"].pk]) in body  # the source records
    client.post(step("score"), {"indicator": manual.pk, "points": "61"})
    assert Score.objects.get(scorecard=county, indicator=manual).points is None
    client.post(
        step("score"),
        {
            "indicator": manual.pk,
            "points": "50",
            "comment": "好",
            "evidence": SimpleUploadedFile("证明.pdf", PDF),
        },
    )
    score = Score.objects.get(scorecard=county, indicator=manual)
    assert score.points == Decimal(50) and score.content_type == "application/pdf"
    download = client.get(reverse("assessments:evidence", args=[score.pk]))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    client.post(step("finalise"))
    county.refresh_from_db()
    assert county.total == Decimal(70) and county.get_grade_display()
    client.post(
        step("outcome"),
        {
            "outcome": "rectification",
            "note": "差距",
            "required": "整改",
            "deadline": (TODAY + datetime.timedelta(days=30)).isoformat(),
        },
    )
    county.refresh_from_db()
    assert county.rectification is not None and RectificationOrder.objects.count() == 1
    body = client.get(url).content.decode()
    assert reverse("accountability:order", args=[county.rectification_id]) in body
    # The assessed side reads, cannot score (403), records its 述职.
    client.force_login(world["u"]["county"])
    response = client.get(url)
    assert response.status_code == 200 and not response.context["can_assess"]
    assert not response.context["can_see_scheme"]
    assert client.post(step("recompute")).status_code == 403
    assert client.post(step("outcome"), {"outcome": "commendation"}).status_code == 403
    client.post(step("report"), {"on": TODAY.isoformat(), "text": "述职报告正文"})
    county.refresh_from_db()
    assert county.report_text == "述职报告正文"
    assert client.get(reverse("assessments:scheme", args=[scheme.pk])).status_code == 404
    assert client.get(reverse("assessments:evidence", args=[score.pk])).status_code == 200
    # Sibling county and other province: 404 everywhere.
    for outsider in ("county2", "other_province", "secretary"):
        client.force_login(world["u"][outsider])
        assert client.get(url).status_code == 404
        assert (
            client.post(step("report"), {"on": TODAY.isoformat(), "text": "x"}).status_code == 404
        )
        assert client.get(reverse("assessments:evidence", args=[score.pk])).status_code == 404
        assert client.get(reverse("assessments:scheme", args=[scheme.pk])).status_code == 404
    client.force_login(world["u"]["other_province"])
    assert client.get(reverse("assessments:schemes", args=[a["city"].pk])).status_code == 404


def test_cadre_page_lists_secretaries_with_their_grades(client, world):
    a = world["a"]
    scheme = make_scheme(world)
    county = Scorecard.objects.get(scheme=scheme, organization=a["county"])
    city = world["u"]["city"]
    services.score_manual(
        actor=city, scorecard=county, indicator=scheme.indicators.get(kind="manual"), points=60
    )
    services.scorecard_finalise(actor=city, scorecard=county)
    client.force_login(city)
    response = client.get(reverse("assessments:cadres", args=[a["city"].pk]))
    body = response.content.decode()
    assert response.context["years"] == [YEAR]
    assert "王书记" in body and reverse("assessments:scorecard", args=[county.pk]) in body
    org_page = client.get(reverse("branches:detail", args=[a["city"].pk])).content.decode()
    assert reverse("assessments:cadres", args=[a["city"].pk]) in org_page


API_SCHEMES = "/api/v1/assessment-schemes/"
API_CARDS = "/api/v1/scorecards/"


def test_api_scheme_cycle_and_errors(client, world):
    a = world["a"]
    client.force_login(world["u"]["city"])
    response = client.post(
        API_SCHEMES,
        {"organization": a["city"].pk, "year": YEAR, "title": "年度考核"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    add = f"{API_SCHEMES}{pk}/indicators/"
    response = client.post(
        add,
        {
            "name": "党员",
            "kind": "computed",
            "weight": "30",
            "figure_key": "members",
            "target": "10",
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    response = client.post(
        add, {"name": "x", "kind": "computed", "weight": "30"}, content_type="application/json"
    )
    assert response.status_code == 400 and "figure_key" in response.json()
    client.post(
        add, {"name": "书记", "kind": "manual", "weight": "60"}, content_type="application/json"
    )
    response = client.post(f"{API_SCHEMES}{pk}/publish/")
    assert response.status_code == 400 and "90.00" in str(response.json())
    client.post(
        add, {"name": "其他", "kind": "manual", "weight": "10"}, content_type="application/json"
    )
    response = client.post(f"{API_SCHEMES}{pk}/publish/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    cards = client.get(API_CARDS, {"scheme": pk}).json()
    cards = cards.get("results", cards)
    assert len(cards) == 2
    county = next(c for c in cards if c["organization"] == a["county"].pk)
    detail = client.get(f"{API_CARDS}{county['id']}/").json()
    computed = next(s for s in detail["scores"] if s["kind"] == "computed")
    assert Decimal(computed["value"]) == 5 and computed["source_url"]
    manual = [s for s in detail["scores"] if s["kind"] == "manual"]
    score = f"{API_CARDS}{county['id']}/score/"
    response = client.post(
        score,
        {"indicator": manual[0]["indicator"], "points": "61"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "points" in response.json()
    for m in manual:
        assert (
            client.post(
                score, {"indicator": m["indicator"], "points": "5"}, content_type="application/json"
            ).status_code
            == 200
        )
    response = client.post(f"{API_CARDS}{county['id']}/finalise/")
    assert response.status_code == 200 and response.json()["total"] == "25.00"
    assert response.json()["grade"] == "poor"
    outcome = {
        "outcome": "rectification",
        "required": "整改",
        "deadline": (TODAY + datetime.timedelta(days=30)).isoformat(),
    }
    for _ in range(2):
        response = client.post(
            f"{API_CARDS}{county['id']}/outcome/", outcome, content_type="application/json"
        )
        assert response.status_code == 200
    assert RectificationOrder.objects.filter(source_kind="assessment").count() == 1
    # The assessed side: reads, 403 on scoring, adds its report.
    client.force_login(world["u"]["county"])
    listed = client.get(API_CARDS).json()
    assert [c["id"] for c in listed.get("results", listed)] == [county["id"]]
    assert client.get(f"{API_SCHEMES}{pk}/").status_code == 404
    assert client.post(f"{API_CARDS}{county['id']}/recompute/").status_code == 403
    response = client.post(
        f"{API_CARDS}{county['id']}/report/",
        {"on": TODAY.isoformat(), "text": "述职"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["report_text"] == "述职"
    # Outside: 404 before the input is looked at.
    client.force_login(world["u"]["other_province"])
    listed = client.get(API_CARDS).json()
    assert listed.get("results", listed) == []
    for action in ("recompute", "score", "finalise", "outcome", "report"):
        assert client.post(f"{API_CARDS}{county['id']}/{action}/", {}).status_code == 404
    assert client.post(f"{API_SCHEMES}{pk}/publish/").status_code == 404
    response = client.post(
        API_SCHEMES,
        {"organization": a["city"].pk, "year": YEAR - 1, "title": "越权"},
        content_type="application/json",
    )
    assert response.status_code == 404


def test_walk_objects_in_and_out_of_reach(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from branches.models import User

    root = world["a"]["province"].parent
    c = province_tree("豫", parent=root)
    walker = User.objects.get(username="assess_secretary")
    add_assessments(world["a"], c, walker)
    visible = Scorecard.objects.visible_to(walker)
    assert visible.count() == 1 and visible.get().scheme.year == YEAR - 1
    assert AssessmentScheme.objects.visible_to(walker).count() == 1
    assert Score.objects.visible_to(walker).count() == 1
    assert Scorecard.objects.count() == 3
    client.force_login(walker)
    for obj in Scorecard.objects.all():
        status = 200 if obj in visible else 404
        assert client.get(reverse("assessments:scorecard", args=[obj.pk])).status_code == status
        page = client.get(reverse("assessments:scheme", args=[obj.scheme_id]))
        assert page.status_code == status
        score = obj.scores.get()
        assert client.get(reverse("assessments:evidence", args=[score.pk])).status_code == status
        step = reverse("assessments:scorecard_step", args=[obj.pk, "finalise"])
        assert client.post(step).status_code == 404


def test_links_only_on_committees(client, world):
    a = world["a"]
    client.force_login(world["u"]["county"])
    county_page = client.get(reverse("branches:detail", args=[a["county"].pk])).content.decode()
    assert reverse("assessments:schemes", args=[a["county"].pk]) in county_page
    branch_page = client.get(reverse("branches:detail", args=[a["branch1"].pk])).content.decode()
    assert reverse("assessments:schemes", args=[a["branch1"].pk]) not in branch_page
