"""Rules of the assessments (document 4, 四、五): computed indicators equal their
figures, weights total 100, manual scores within 0..weight, grade thresholds at
their boundaries, published schemes frozen, one rectification order per
scorecard, the secretary's results, and who may do what."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accountability import figures
from accountability import services as rectification_services
from accountability.assessments import scoring, selectors, services
from accountability.assessments.models import AssessmentScheme, Score, Scorecard
from accountability.models import RectificationOrder
from members.models import Member
from tests.accountability.walk import PDF
from tests.factories import MemberFactory

from .conftest import YEAR, make_scheme

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def card(scheme, org):
    return Scorecard.objects.get(scheme=scheme, organization=org)


def manual(scheme):
    return scheme.indicators.get(kind="manual")


def test_publishing_opens_a_scorecard_per_child_committee_with_the_figures(world):
    a = world["a"]
    scheme = make_scheme(world)
    assert scheme.status == "published" and scheme.published_at is not None
    assert set(Scorecard.objects.filter(scheme=scheme).values_list("organization", flat=True)) == {
        a["county"].pk,
        world["county2"].pk,
    }
    score = Score.objects.get(scorecard=card(scheme, a["county"]), indicator__kind="computed")
    direct = Member.objects.filter(
        branch__path__descendant_of=a["county"].path, left_on__isnull=True
    ).count()
    assert direct == 5
    assert score.value == figures.value_of("members", a["county"], YEAR).value == direct
    assert score.formula == str(figures.FIGURES["members"].formula)
    assert score.source_url == reverse("branches:detail", args=[a["county"].pk])
    assert score.computed_at is not None
    # 40 points × 5 / 10 = 20 (below target: proportional)
    assert score.points == Decimal("20.00")
    other = Score.objects.get(scorecard=card(scheme, world["county2"]), indicator__kind="computed")
    assert other.value == 1 and other.points == Decimal("4.00")


def test_scoring_rule_full_at_target_proportional_below():
    assert scoring.computed_points(40, 10, 10) == Decimal("40.00")
    assert scoring.computed_points(40, 12, 10) == Decimal("40.00")
    assert scoring.computed_points(40, 5, 10) == Decimal("20.00")
    assert scoring.computed_points(30, 1, 3) == Decimal("10.00")
    assert scoring.computed_points(40, 0, 10) == Decimal("0.00")


def test_grade_thresholds_at_the_boundaries(world):
    scheme = make_scheme(world, publish=False)
    cases = {
        "100": "good",
        "90": "good",
        "89.99": "fairly_good",
        "80": "fairly_good",
        "79.99": "average",
        "60": "average",
        "59.99": "poor",
        "0": "poor",
    }
    for total, grade in cases.items():
        assert scoring.grade_for(Decimal(total), scheme) == grade, total
    services.scheme_update(
        actor=world["u"]["city"],
        scheme=scheme,
        title="改",
        grade_good=95,
        grade_fairly_good=85,
        grade_average=70,
    )
    scheme.refresh_from_db()
    assert scoring.grade_for(Decimal("94.99"), scheme) == "fairly_good"
    assert scoring.grade_for(Decimal("69.99"), scheme) == "poor"
    with pytest.raises(ValidationError) as error:
        services.scheme_update(
            actor=world["u"]["city"],
            scheme=scheme,
            title="改",
            grade_good=80,
            grade_fairly_good=85,
            grade_average=70,
        )
    assert "grade_fairly_good" in error.value.message_dict


def test_finalise_stores_total_and_grade_89_99_is_not_good(world):
    a = world["a"]
    scheme = make_scheme(world, target=Decimal(5))  # the county reaches it: 40 points
    county = card(scheme, a["county"])
    city = world["u"]["city"]
    with pytest.raises(ValidationError) as error:
        services.scorecard_finalise(actor=city, scorecard=county)
    assert "书记抓党建" in error.value.messages[0]
    services.score_manual(
        actor=city, scorecard=county, indicator=manual(scheme), points="49.99", comment="较好"
    )
    county = services.scorecard_finalise(actor=city, scorecard=county)
    county.refresh_from_db()
    assert county.total == Decimal("89.99") and county.grade == "fairly_good"
    assert county.status == "final" and county.finalised_by == city
    # Final: nothing changes any more.
    with pytest.raises(ValidationError):
        services.score_manual(actor=city, scorecard=county, indicator=manual(scheme), points=50)
    with pytest.raises(ValidationError):
        services.scorecard_recompute(actor=city, scorecard=county)
    other = card(scheme, world["county2"])  # 1 member of target 5: 8 points
    services.score_manual(actor=city, scorecard=other, indicator=manual(scheme), points="52")
    other = services.scorecard_finalise(actor=city, scorecard=other)
    assert other.total == Decimal("60.00") and other.grade == "average"


def test_weights_must_total_100_when_published(world):
    scheme = make_scheme(world, publish=False, manual_weight=Decimal(50))  # 50 + 50
    city = world["u"]["city"]
    services.indicator_add(
        actor=city, scheme=scheme, name="额外", kind="manual", weight=Decimal("0.5")
    )
    with pytest.raises(ValidationError) as error:
        services.scheme_publish(actor=city, scheme=scheme)
    assert "100.50" in error.value.message_dict["indicators"][0]
    assert Scorecard.objects.count() == 0
    services.indicator_remove(actor=city, indicator=scheme.indicators.get(name="额外"))
    assert services.scheme_publish(actor=city, scheme=scheme) == 2


def test_indicator_input_is_checked_by_field(world):
    scheme = make_scheme(world, publish=False)
    city = world["u"]["city"]
    bad = [
        ({"kind": "computed", "figure_key": "nope", "target": 1, "weight": 1}, "figure_key"),
        ({"kind": "computed", "figure_key": "members", "target": 0, "weight": 1}, "target"),
        ({"kind": "manual", "weight": 0}, "weight"),
        ({"kind": "manual", "weight": "100.01"}, "weight"),
        ({"kind": "other", "weight": 1}, "kind"),
    ]
    for kwargs, field in bad:
        with pytest.raises(ValidationError) as error:
            services.indicator_add(actor=city, scheme=scheme, name="x", **kwargs)
        assert field in error.value.message_dict, kwargs


def test_published_scheme_cannot_change_its_indicators(world):
    scheme = make_scheme(world)
    city = world["u"]["city"]
    for call in (
        lambda: services.indicator_add(
            actor=city, scheme=scheme, name="晚了", kind="manual", weight=1
        ),
        lambda: services.indicator_remove(actor=city, indicator=manual(scheme)),
        lambda: services.scheme_update(
            actor=city,
            scheme=scheme,
            title="改",
            grade_good=90,
            grade_fairly_good=80,
            grade_average=60,
        ),
        lambda: services.scheme_publish(actor=city, scheme=scheme),
    ):
        with pytest.raises(ValidationError) as error:
            call()
        assert "status" in error.value.message_dict
    assert scheme.indicators.count() == 2


def test_one_scheme_a_year_and_only_committees_assess(world):
    make_scheme(world, publish=False)
    with pytest.raises(ValidationError) as error:
        services.scheme_create(
            actor=world["u"]["city"], organization=world["a"]["city"], year=YEAR, title="再来"
        )
    assert "year" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.scheme_create(
            actor=world["u"]["secretary"],
            organization=world["a"]["branch1"],
            year=YEAR,
            title="支部",
        )
    assert "organization" in error.value.message_dict
    assert AssessmentScheme.objects.count() == 1


def test_manual_score_bounds_name_the_indicator(world):
    scheme = make_scheme(world)
    county = card(scheme, world["a"]["county"])
    city = world["u"]["city"]
    for points in ("-1", "60.01", "1.001", "abc"):
        with pytest.raises(ValidationError) as error:
            services.score_manual(
                actor=city, scorecard=county, indicator=manual(scheme), points=points
            )
        assert "书记抓党建" in error.value.message_dict["points"][0], points
    computed = scheme.indicators.get(kind="computed")
    with pytest.raises(ValidationError) as error:
        services.score_manual(actor=city, scorecard=county, indicator=computed, points=1)
    assert "indicator" in error.value.message_dict
    for points in ("0", "60"):
        score = services.score_manual(
            actor=city, scorecard=county, indicator=manual(scheme), points=points
        )
        assert score.points == Decimal(points)


def test_recompute_follows_the_figure_until_finalised(world):
    a = world["a"]
    scheme = make_scheme(world)
    county = card(scheme, a["county"])
    MemberFactory(branch=a["branch2"])
    MemberFactory(branch=a["branch2"], left_on=datetime.date(2025, 1, 1), left_reason="deceased")
    services.scorecard_recompute(actor=world["u"]["city"], scorecard=county)
    score = Score.objects.get(scorecard=county, indicator__kind="computed")
    assert score.value == 6 == figures.value_of("members", a["county"], YEAR).value
    assert score.points == Decimal("24.00")


def test_evidence_is_checked_by_its_bytes(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    scheme = make_scheme(world)
    county = card(scheme, world["a"]["county"])
    city = world["u"]["city"]
    with pytest.raises(ValidationError) as error:
        services.score_manual(
            actor=city,
            scorecard=county,
            indicator=manual(scheme),
            points=50,
            evidence=SimpleUploadedFile("假.pdf", b"<html>not a pdf</html>"),
        )
    assert "evidence" in error.value.message_dict
    assert Score.objects.get(scorecard=county, indicator=manual(scheme)).points is None
    assert not any(tmp_path.rglob("*.*"))
    for name, content, kind in (
        ("a.png", PNG, "image/png"),
        ("b.jpg", JPEG, "image/jpeg"),
        ("c.pdf", PDF, "application/pdf"),
    ):
        score = services.score_manual(
            actor=city,
            scorecard=county,
            indicator=manual(scheme),
            points=50,
            evidence=SimpleUploadedFile(name, content),
        )
        assert score.content_type == kind and score.original_name == name


def _final(world, scheme, org, points="30"):
    city = world["u"]["city"]
    scorecard = card(scheme, org)
    services.score_manual(actor=city, scorecard=scorecard, indicator=manual(scheme), points=points)
    return services.scorecard_finalise(actor=city, scorecard=scorecard)


def test_rectification_outcome_issues_exactly_one_order(world):
    a = world["a"]
    scheme = make_scheme(world)
    city = world["u"]["city"]
    county = card(scheme, a["county"])
    deadline = timezone.localdate() + datetime.timedelta(days=60)
    with pytest.raises(ValidationError) as error:
        services.scorecard_outcome(
            actor=city,
            scorecard=county,
            outcome="rectification",
            required="整改",
            deadline=deadline,
        )
    assert "outcome" in error.value.message_dict  # not finalised yet
    county = _final(world, scheme, a["county"])  # 20 + 30 = 50: poor
    assert county.grade == "poor"
    with pytest.raises(ValidationError) as error:
        services.scorecard_outcome(actor=city, scorecard=county, outcome="rectification")
    assert "required" in error.value.message_dict
    for _ in range(2):
        county = services.scorecard_outcome(
            actor=city,
            scorecard=county,
            outcome="rectification",
            note="党员发展滞后",
            required="制定整改方案",
            deadline=deadline,
        )
    order = RectificationOrder.objects.get()
    county.refresh_from_db()
    assert county.rectification == order and county.outcome == "rectification"
    assert order.source_kind == "assessment" and f"#{county.pk}" in order.source_ref
    assert order.organization == a["county"] and order.issued_by_org == a["city"]
    assert order.deadline == deadline and "党员发展滞后" in order.problem
    # Another outcome only after the order is cancelled.
    with pytest.raises(ValidationError):
        services.scorecard_outcome(actor=city, scorecard=county, outcome="criticism")
    rectification_services.order_cancel(actor=city, order=order, note="改为通报批评")
    county = services.scorecard_outcome(actor=city, scorecard=county, outcome="criticism")
    county.refresh_from_db()
    assert county.outcome == "criticism" and county.rectification is None
    assert RectificationOrder.objects.count() == 1


def test_secretary_results_and_the_cadre_page_data(world):
    a = world["a"]
    scheme = make_scheme(world)
    county = card(scheme, a["county"])
    assert county.secretary == world["county_secretary"]
    assert card(scheme, world["county2"]).secretary is None
    assert list(selectors.results_for_member(world["county_secretary"])) == []  # not final
    _final(world, scheme, a["county"], points="60")
    assert [s.pk for s in selectors.results_for_member(world["county_secretary"])] == [county.pk]
    member = world["county_secretary"]
    assert selectors.results_for_member(member, world["u"]["county"]).get() == county
    assert not selectors.results_for_member(member, world["u"]["county2"]).exists()
    years, rows = selectors.cadre_results(world["u"]["city"], a["city"])
    assert years == [YEAR]
    assert (
        rows[0]["member"] == world["county_secretary"]
        and rows[0]["cells"][0].grade == "fairly_good"
    )
    assert selectors.cadre_results(world["u"]["county2"], a["city"]) == ([], [])


def test_only_the_assessor_scores_the_assessed_side_reports(world):
    a = world["a"]
    scheme = make_scheme(world)
    county = card(scheme, a["county"])
    u = world["u"]
    with pytest.raises(PermissionDenied):
        services.score_manual(
            actor=u["county"], scorecard=county, indicator=manual(scheme), points=1
        )
    with pytest.raises(PermissionDenied):
        services.scorecard_finalise(actor=u["county"], scorecard=county)
    for outsider in (u["county2"], u["other_province"], u["secretary"]):
        with pytest.raises(Http404):
            services.score_manual(
                actor=outsider, scorecard=county, indicator=manual(scheme), points=1
            )
        with pytest.raises(Http404):
            services.report_record(
                actor=outsider, scorecard=county, on=timezone.localdate(), text="述职"
            )
    services.report_record(
        actor=u["county"], scorecard=county, on=timezone.localdate(), text="一年来抓党建情况"
    )
    county.refresh_from_db()
    assert county.report_text == "一年来抓党建情况" and county.report_by == u["county"]
    with pytest.raises(ValidationError) as error:
        services.report_record(
            actor=u["county"],
            scorecard=county,
            on=timezone.localdate() + datetime.timedelta(days=1),
            text="x",
        )
    assert "on" in error.value.message_dict


def test_visibility_from_both_sides_and_nowhere_else(world):
    a = world["a"]
    scheme = make_scheme(world)
    u = world["u"]
    county = card(scheme, a["county"])
    assert set(Scorecard.objects.visible_to(u["city"])) == set(scheme.scorecards.all())
    assert list(Scorecard.objects.visible_to(u["county"])) == [county]
    assert list(Scorecard.objects.visible_to(u["county2"])) == [card(scheme, world["county2"])]
    assert not Scorecard.objects.visible_to(u["other_province"]).exists()
    assert not Scorecard.objects.visible_to(u["secretary"]).exists()
    assert list(AssessmentScheme.objects.visible_to(u["city"])) == [scheme]
    assert not AssessmentScheme.objects.visible_to(u["county"]).exists()
    assert set(Score.objects.visible_to(u["county"])) == set(county.scores.all())
