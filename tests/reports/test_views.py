"""The pages: the organisation's reports with the form, the detail page
with its progress bar polling the status URL, the downloads; 404 for
anyone whose roles do not reach the organisation's whole subtree."""

import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reports import services, tasks
from reports.models import YearEndReport

from .conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(world, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.year_end_report_request(
            actor=world["staff"], organization=world["a"]["county"], year=YEAR
        )
    return report


@pytest.fixture
def done(report):
    assert tasks.build_year_end_report(report.pk, report.generation) is True
    report.refresh_from_db()
    return report


def urls(report) -> list[str]:
    return [
        reverse("reports:org", args=[report.organization_id]),
        reverse("reports:detail", args=[report.pk]),
        reverse("reports:status", args=[report.pk]),
        reverse("reports:download", args=[report.pk, "pdf"]),
        reverse("reports:download", args=[report.pk, "xlsx"]),
    ]


def test_generating_from_the_page_queues_and_shows_the_progress_bar(
    client, world, queued, django_capture_on_commit_callbacks
):
    county = world["a"]["county"]
    client.force_login(world["staff"])
    page = client.get(reverse("reports:org", args=[county.pk]))
    assert page.status_code == 200
    assert f'<option value="{timezone.localdate().year}"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:org", args=[county.pk]), {"year": YEAR})
    report = YearEndReport.objects.get(organization=county, year=YEAR)
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    assert queued == [(report.pk, 1)]

    html = client.get(response["Location"]).content.decode()
    status_url = reverse("reports:status", args=[report.pk])
    assert f'data-status-url="{status_url}"' in html
    assert 'class="progress"' in html and 'aria-valuenow="0"' in html
    assert "js/reports" in html and "<script>" not in html  # no inline script


def test_the_status_json_follows_the_build(client, world, report):
    client.force_login(world["staff"])
    url = reverse("reports:status", args=[report.pk])
    before = client.get(url).json()
    assert before["status"] == "queued" and before["progress"] == 0
    assert before["pdf_url"] is None and before["xlsx_url"] is None

    tasks.build_year_end_report(report.pk, 1)
    after = client.get(url).json()
    assert after["status"] == "done" and after["progress"] == 100
    assert after["step"] == "store"
    assert after["pdf_url"] == reverse("reports:download", args=[report.pk, "pdf"])
    assert after["xlsx_url"] == reverse("reports:download", args=[report.pk, "xlsx"])


def test_downloads_stream_the_stored_files_with_a_chinese_name(client, world, done):
    client.force_login(world["inspector"])  # the province's inspector sees the county
    pdf = client.get(reverse("reports:download", args=[done.pk, "pdf"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    disposition = unquote(pdf["Content-Disposition"])
    assert "attachment" in disposition and "甲县" in disposition and disposition.endswith(".pdf")
    xlsx = client.get(reverse("reports:download", args=[done.pk, "xlsx"]))
    book = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))
    assert "甲县" in book.worksheets[0]["A1"].value
    # An unknown kind leads back to the report's page.
    other = client.get(reverse("reports:download", args=[done.pk, "doc"]))
    assert other.status_code == 302
    assert other["Location"] == reverse("reports:detail", args=[done.pk])


def test_a_download_before_the_build_goes_back_to_the_page(client, world, report):
    client.force_login(world["staff"])
    response = client.get(reverse("reports:download", args=[report.pk, "pdf"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[report.pk])


def test_the_detail_page_shows_the_figures_once_done(client, world, done):
    client.force_login(world["staff"])
    html = client.get(reverse("reports:detail", args=[done.pk])).content.decode()
    assert "甲县" in html
    assert "甲镇" in html  # the table of the organisations below
    members = next(r for g in done.content["groups"] for r in g["rows"] if r["key"] == "members")
    assert members["value"] == 10
    assert reverse("reports:download", args=[done.pk, "pdf"]) in html


@pytest.mark.parametrize("who", ["other_county", "other_province", "branch_secretary", "member"])
def test_everything_is_404_for_users_who_may_not_see_the_whole_subtree(client, world, done, who):
    client.force_login(world[who])
    for url in urls(done):
        assert client.get(url).status_code == 404, url
    response = client.post(urls(done)[0], {"year": YEAR})
    assert response.status_code == 404
    done.refresh_from_db()
    assert done.generation == 1


def test_anonymous_users_are_sent_to_the_login(client, done):
    for url in urls(done):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("year", ["1999", "abc", "", str(timezone.localdate().year + 1)])
def test_a_bad_year_is_refused_with_a_message_naming_the_field(client, world, queued, year):
    client.force_login(world["staff"])
    county = world["a"]["county"]
    response = client.post(reverse("reports:org", args=[county.pk]), {"year": year})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="year-errors"' in html and "is-invalid" in html
    errors = response.context["form"].errors
    assert list(errors) == ["year"]
    assert not YearEndReport.objects.exists() and queued == []


def test_the_list_page_runs_a_constant_number_of_queries(
    client, world, queued, django_assert_max_num_queries
):
    county = world["a"]["county"]
    client.force_login(world["staff"])
    url = reverse("reports:org", args=[county.pk])
    services.year_end_report_request(actor=world["staff"], organization=county, year=YEAR)
    with django_assert_max_num_queries(50) as one:
        client.get(url)
    for year in range(YEAR - 5, YEAR):
        services.year_end_report_request(actor=world["inspector"], organization=county, year=year)
    with django_assert_max_num_queries(50) as many:
        response = client.get(url)
    assert len(response.context["reports"]) == 6
    assert len(many.captured_queries) == len(one.captured_queries)
