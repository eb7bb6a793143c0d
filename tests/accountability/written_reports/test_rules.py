"""The rules of the annual written report (document 4, 四: 每年年底，地方党委和部门党组
（党委）要向上级党委书面报告抓基层党建工作情况): who reports to whom, the frozen
figures, the steps and who may take them, the 1 December opening and the deadline."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from accountability import figures
from accountability.written_reports import selectors, services
from accountability.written_reports.models import WrittenReport
from tests.factories import MemberFactory

from .conftest import YEAR, start

pytestmark = pytest.mark.django_db


def snapshot(report):
    return [
        (f.key, f.value, f.denominator, f.formula, f.records_url)
        for f in selectors.figures_of(report)
    ]


def live(report):
    from decimal import Decimal

    from django.utils import translation

    with translation.override("zh-hans"):
        return [
            (
                v.key,
                Decimal(v.value).quantize(Decimal("0.01")),
                None if v.denominator is None else Decimal(v.denominator).quantize(Decimal("0.01")),
                str(v.figure.formula),
                v.url or "",
            )
            for v in figures.values_of(report.organization, report.year)
        ]


def test_recipient_is_the_nearest_local_committee_above(world):
    a = world["a"]
    assert services.recipient_of(a["county"]) == a["city"]
    assert services.recipient_of(a["city"]) == a["province"]
    assert services.recipient_of(a["province"]) == world["root"]
    assert services.recipient_of(world["group"]) == a["city"]
    report = start(world, world["group"], actor="city")
    assert report.recipient == a["city"]


def test_only_committees_and_department_groups_report(world):
    a = world["a"]
    with pytest.raises(ValidationError) as error:
        services.report_start(actor=world["u"]["county"], organization=a["township"], year=YEAR)
    assert "organization" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.report_start(actor=world["u"]["secretary"], organization=a["branch1"], year=YEAR)
    assert "organization" in error.value.message_dict


def test_one_report_per_organisation_and_year(world):
    start(world)
    with pytest.raises(ValidationError) as error:
        start(world)
    assert "year" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        WrittenReport.objects.create(
            organization=world["a"]["county"],
            recipient=world["a"]["city"],
            year=YEAR,
            created_by=world["u"]["county"],
            figures_computed_at=datetime.datetime.now(datetime.UTC),
        )


def test_no_report_for_a_future_year(world, clock):
    with pytest.raises(ValidationError) as error:
        start(world, year=YEAR + 2)
    assert "year" in error.value.message_dict


def test_figures_are_values_of_at_creation_and_frozen_by_submission(world):
    a = world["a"]
    MemberFactory(branch=a["branch1"])
    report = start(world)
    assert len(snapshot(report)) == len(figures.values_of(a["county"], YEAR)) >= 1
    assert snapshot(report) == live(report)
    members = next(f for f in selectors.figures_of(report) if f.key == "members")
    assert members.value == 1
    # More members: recompute in draft picks them up.
    MemberFactory(branch=a["branch2"])
    services.report_recompute(actor=world["u"]["county"], report=report)
    assert snapshot(report) == live(report)
    assert next(f for f in selectors.figures_of(report) if f.key == "members").value == 2
    services.report_submit(actor=world["u"]["county"], report=report)
    frozen = snapshot(report)
    MemberFactory(branch=a["branch1"])
    assert live(report) != frozen  # the data changed ...
    with pytest.raises(ValidationError) as error:
        services.report_recompute(actor=world["u"]["county"], report=report)
    assert "status" in error.value.message_dict
    assert snapshot(report) == frozen  # ... the submitted report did not


def test_submit_return_resubmit_accept(world):
    u = world["u"]
    report = start(world)
    report = services.report_submit(actor=u["county"], report=report)
    assert report.status == "submitted" and report.submitted_by == u["county"]
    first = report.first_submitted_at
    with pytest.raises(ValidationError) as error:
        services.report_update(actor=u["county"], report=report, plans="改")
    assert "status" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.report_return(actor=u["city"], report=report, note="  ")
    assert "note" in error.value.message_dict
    report = services.report_return(actor=u["city"], report=report, note="问题不具体")
    assert report.status == "returned" and report.returned_by == u["city"]
    report = services.report_update(actor=u["county"], report=report, problems="具体问题")
    report = services.report_submit(actor=u["county"], report=report)
    assert report.status == "resubmitted" and report.first_submitted_at == first
    report = services.report_accept(actor=u["city"], report=report, note="同意")
    assert report.status == "accepted" and report.accepted_by == u["city"]
    # Nothing after acceptance.
    for step, kwargs in [
        (services.report_update, {"plans": "改"}),
        (services.report_recompute, {}),
        (services.report_submit, {}),
    ]:
        with pytest.raises(ValidationError):
            step(actor=u["county"], report=report, **kwargs)
    for step in (services.report_accept, services.report_return):
        with pytest.raises(ValidationError):
            step(actor=u["city"], report=report, note="再退")
    report.refresh_from_db()
    assert report.status == "accepted" and report.plans == "建立按月联系制度"


def test_submission_needs_the_three_sections(world):
    report = start(world, achievements="", plans=" ")
    with pytest.raises(ValidationError) as error:
        services.report_submit(actor=world["u"]["county"], report=report)
    assert set(error.value.message_dict) == {"achievements", "plans"}
    report.refresh_from_db()
    assert report.status == "draft"


def test_current_year_only_from_1_december(world, clock):
    clock.set(datetime.date(YEAR, 11, 30))
    report = start(world)
    with pytest.raises(ValidationError) as error:
        services.report_submit(actor=world["u"]["county"], report=report)
    assert "year" in error.value.message_dict
    clock.set(datetime.date(YEAR, 12, 1))
    assert services.report_submit(actor=world["u"]["county"], report=report).status == "submitted"
    # Last year's report may be submitted at any time of the following year.
    clock.set(datetime.date(YEAR + 1, 3, 1))
    last = start(world, world["group"], actor="city")
    assert services.report_submit(actor=world["u"]["city"], report=last).status == "submitted"


def test_who_may_do_what(world):
    u = world["u"]
    report = start(world)
    # The recipient's side and outsiders may not edit or submit.
    with pytest.raises(Http404):
        services.report_update(actor=u["other_county"], report=report, plans="x")
    with pytest.raises(Http404):
        services.report_submit(actor=u["other_province"], report=report)
    with pytest.raises(Http404):
        services.report_submit(actor=u["secretary"], report=report)
    services.report_submit(actor=u["county"], report=report)
    # The reporting side may not accept: 403 with the reason.
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=u["county"], report=report)
    with pytest.raises(PermissionDenied):
        services.report_return(actor=u["county_secretary"], report=report, note="x")
    with pytest.raises(Http404):
        services.report_accept(actor=u["other_province"], report=report)
    # The person who submitted cannot accept, even with the recipient's rights.
    city_report = start(world, world["county2"], actor="city")
    services.report_submit(actor=u["city"], report=city_report)
    with pytest.raises(PermissionDenied):
        services.report_accept(actor=u["city"], report=city_report)
    assert services.report_accept(actor=u["province"], report=city_report).status == "accepted"
    # The city's staff accept the county's report it did not submit.
    assert services.report_accept(actor=u["city"], report=report).status == "accepted"


def test_plenary_session_date_is_in_the_year_or_the_next(world):
    report = start(world)
    with pytest.raises(ValidationError) as error:
        services.report_update(
            actor=world["u"]["county"], report=report, plenary_on=datetime.date(YEAR - 1, 5, 1)
        )
    assert "plenary_on" in error.value.message_dict
    report = services.report_update(
        actor=world["u"]["county"],
        report=report,
        plenary_on=datetime.date(YEAR, 12, 28),
        plenary_note="全委会审议通过",
    )
    assert report.plenary_on == datetime.date(YEAR, 12, 28)


def test_scoping_both_sides_see_nobody_else(world):
    u = world["u"]
    report = start(world)
    for name in ("county", "county_secretary", "city", "province"):
        assert WrittenReport.objects.visible_to(u[name]).filter(pk=report.pk).exists(), name
    for name in ("other_county", "other_province", "secretary"):
        assert not WrittenReport.objects.visible_to(u[name]).exists(), name


def test_late_list_with_the_deadline(world, clock):
    a, u = world["a"], world["u"]
    county = start(world)  # draft
    services.report_submit(actor=u["city"], report=start(world, world["group"], actor="city"))
    clock.set(datetime.date(YEAR + 1, 1, 31))  # the deadline itself: nobody late yet
    rows, counts = selectors.received(u["city"], a["city"], YEAR, services.today())
    assert [r.organization for r in rows] == [a["county"], world["county2"], world["group"]]
    assert counts["late"] == 0
    clock.set(datetime.date(YEAR + 1, 2, 1))
    rows, counts = selectors.received(u["city"], a["city"], YEAR, services.today())
    by_org = {r.organization.pk: r for r in rows}
    assert by_org[a["county"].pk].status == "draft" and by_org[a["county"].pk].late
    assert by_org[world["county2"].pk].status == selectors.NOT_STARTED
    assert by_org[world["county2"].pk].late
    assert by_org[world["group"].pk].status == "submitted" and not by_org[world["group"].pk].late
    assert counts == {
        "not_started": 1,
        "draft": 1,
        "submitted": 1,
        "returned": 0,
        "accepted": 0,
        "late": 2,
    }
    assert county.pk == by_org[a["county"].pk].report.pk
    # The township (grassroots committee) and branches never report; the province's
    # list has the city only (the counties report to the city).
    rows, _ = selectors.received(u["province"], a["province"], YEAR, services.today())
    assert [r.organization for r in rows] == [a["city"]]


def test_dissolved_or_later_established_organisations_are_not_expected(world):
    a = world["a"]
    world["county2"].dissolved = datetime.date(YEAR, 6, 30)
    world["county2"].save()
    world["group"].established = datetime.date(YEAR + 1, 1, 5)
    world["group"].save()
    orgs = selectors.reporting_children(a["city"], YEAR)
    assert orgs == [a["county"]]
