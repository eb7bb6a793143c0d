"""The build task: idempotent, progress 0 → 100 step by step, a stale
generation skipped, the PDF and the .xlsx showing the roll-ups."""

import io
import subprocess

import pytest
from django.conf import settings
from django.utils import timezone, translation
from openpyxl import load_workbook

from branches.models import Role
from dashboards import metrics
from dashboards import selectors as dashboards
from reports import build, services, tasks
from reports.models import STEPS, YearEndReport
from tests.factories import OrganizationFactory

from .conftest import YEAR, user_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested(world, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.year_end_report_request(
            actor=world["staff"], organization=world["a"]["county"], year=YEAR
        )


def pdf_text(report, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(report.pdf.read())
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout


def test_progress_goes_from_0_to_100_through_every_step(requested, monkeypatch):
    seen = []
    advance = build.advance

    def recording(report_id, generation, step):
        advance(report_id, generation, step)
        report = YearEndReport.objects.get(pk=report_id)
        seen.append((report.status, report.progress, report.step))

    monkeypatch.setattr(build, "advance", recording)
    assert YearEndReport.objects.get(pk=requested.pk).progress == 0

    assert tasks.build_year_end_report(requested.pk, 1) is True

    # The last step (store) ends the run: done, 100.
    assert seen == [("running", progress, step) for step, progress, _l in STEPS[:-1]]
    assert [p for _s, p, _k in seen] == sorted(p for _s, p, _k in seen)
    report = YearEndReport.objects.get(pk=requested.pk)
    assert (report.status, report.progress, report.step) == ("done", 100, "store")
    assert report.started_at <= report.finished_at
    assert report.error == ""


def test_running_twice_gives_one_report_the_same_content_and_one_pair_of_files(
    requested, media, django_capture_on_commit_callbacks
):
    assert tasks.build_year_end_report(requested.pk, 1) is True
    first = YearEndReport.objects.get(pk=requested.pk)
    # The same generation again (a redelivered message): nothing to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.build_year_end_report(requested.pk, 1) is False
    second = YearEndReport.objects.get(pk=requested.pk)
    assert (second.pdf.name, second.xlsx.name) == (first.pdf.name, first.xlsx.name)
    assert second.finished_at == first.finished_at
    assert YearEndReport.objects.count() == 1

    # Asked again: a new generation with the same content replaces the files.
    with django_capture_on_commit_callbacks(execute=True):
        services.year_end_report_request(
            actor=requested.requested_by, organization=requested.organization, year=YEAR
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.build_year_end_report(requested.pk, 2) is True
    third = YearEndReport.objects.get(pk=requested.pk)
    assert third.content == first.content
    assert third.generation == 2 and third.status == "done"
    assert YearEndReport.objects.count() == 1
    assert len(list((media / "year-end-reports").iterdir())) == 2


def test_a_stale_generation_does_nothing(requested, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.year_end_report_request(
            actor=requested.requested_by, organization=requested.organization, year=YEAR
        )
    assert tasks.build_year_end_report(requested.pk, 1) is False
    report = YearEndReport.objects.get(pk=requested.pk)
    assert (report.status, report.progress, report.generation) == ("queued", 0, 2)
    assert not report.pdf and not report.xlsx
    assert tasks.build_year_end_report(requested.pk, 2) is True


def test_a_run_overtaken_by_a_new_request_stops_and_stores_nothing(
    requested, monkeypatch, django_capture_on_commit_callbacks
):
    advance = build.advance

    def overtaken(report_id, generation, step):
        if step == "pdf":  # someone asks again while the PDF is rendered
            with django_capture_on_commit_callbacks(execute=True):
                services.year_end_report_request(
                    actor=requested.requested_by, organization=requested.organization, year=YEAR
                )
        advance(report_id, generation, step)

    monkeypatch.setattr(build, "advance", overtaken)
    assert tasks.build_year_end_report(requested.pk, 1) is False
    report = YearEndReport.objects.get(pk=requested.pk)
    assert (report.status, report.generation) == ("queued", 2)
    assert not report.pdf


def test_a_missing_report_does_nothing(db):
    assert tasks.build_year_end_report(123456, 1) is False


def test_a_failure_is_recorded_and_raised(requested, monkeypatch):
    def broken(content):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(build, "pdf_bytes", broken)
    with pytest.raises(RuntimeError):
        tasks.build_year_end_report(requested.pk, 1)
    report = YearEndReport.objects.get(pk=requested.pk)
    assert report.status == "failed" and "no fonts" in report.error
    assert not report.pdf
    # A failed generation is not built again by a redelivery; asking again is.
    monkeypatch.undo()
    assert tasks.build_year_end_report(requested.pk, 1) is False


def test_a_requester_who_lost_access_gets_a_failed_report(requested):
    requested.requested_by.role_assignments.all().delete()
    assert tasks.build_year_end_report(requested.pk, 1) is False
    report = YearEndReport.objects.get(pk=requested.pk)
    assert report.status == "failed" and report.error


def test_the_pdf_shows_the_organisation_and_the_rolled_up_figures(world, requested, tmp_path):
    tasks.build_year_end_report(requested.pk, 1)
    report = YearEndReport.objects.get(pk=requested.pk)
    county = world["a"]["county"]
    figures = dashboards.figures(county, YEAR)
    assert figures["members"] == 10 and figures["members_probationary"] == 3
    text = pdf_text(report, tmp_path)
    assert "甲县" in text and str(YEAR) in text
    assert "甲镇" in text  # the per-child table
    with translation.override(settings.LANGUAGE_CODE):
        label = str(metrics.METRICS["members_probationary"].label)
    # The first row naming it is the figures table's: label, this year, last year, change.
    line = next(line for line in text.splitlines() if label in line)
    assert line.split()[-3:] == ["3", "3", "0"]


def test_the_xlsx_cells_equal_the_rollups(world, requested):
    tasks.build_year_end_report(requested.pk, 1)
    report = YearEndReport.objects.get(pk=requested.pk)
    county = world["a"]["county"]
    now, before = dashboards.figures(county, YEAR), dashboards.figures(county, YEAR - 1)
    book = load_workbook(io.BytesIO(report.xlsx.read()))
    assert len(book.worksheets) == 3
    figures, children, months = book.worksheets
    assert "甲县" in figures["A1"].value
    header = next(
        i for i, row in enumerate(figures.iter_rows(values_only=True)) if row[2] == str(YEAR)
    )
    rows = list(figures.iter_rows(min_row=header + 2, values_only=True))
    with translation.override(settings.LANGUAGE_CODE):
        labels = {str(m.label): key for key, m in metrics.METRICS.items()}
    assert len(rows) == len(metrics.METRICS)
    for _group, label, value, previous, change in rows:
        key = labels[label]
        assert value == float(now[key]) and previous == float(before[key])
        assert change == pytest.approx(float(now[key] - before[key]))
        assert not isinstance(value, str)  # numbers as numbers
    board = dashboards.dashboard(world["staff"], county, YEAR)
    child_rows = list(children.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in child_rows] == [c.organization.name for c in board.children]
    for row, child in zip(child_rows, board.children, strict=True):
        assert list(row[2 : 2 + len(dashboards.TABLE_KEYS)]) == [
            float(child.values[key]) for key in dashboards.TABLE_KEYS
        ]
    assert child_rows[0][2] == 10  # the township holds the ten members
    month_rows = list(months.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in month_rows] == list(range(1, 13))
    assert [r[1] for r in month_rows] == [m.activities for m in board.months]


def test_text_that_looks_like_a_formula_stays_text(
    world, queued, django_capture_on_commit_callbacks
):
    county = world["a"]["county"]
    OrganizationFactory(name='=HYPERLINK("http://x")', parent=county)
    staff = user_with(Role.ORG_STAFF, county)
    with django_capture_on_commit_callbacks(execute=True):
        report = services.year_end_report_request(actor=staff, organization=county, year=YEAR)
    tasks.build_year_end_report(report.pk, 1)
    report.refresh_from_db()
    children = load_workbook(io.BytesIO(report.xlsx.read())).worksheets[1]
    cells = [row[0] for row in children.iter_rows(min_row=2)]
    evil = next(c for c in cells if str(c.value).startswith("="))
    assert evil.data_type == "s"


def test_freshness_is_shown(world, requested):
    tasks.build_year_end_report(requested.pk, 1)
    report = YearEndReport.objects.get(pk=requested.pk)
    assert report.content["computed_at"] is not None
    assert report.content["computed_at"][:10] == timezone.localdate().isoformat()
