"""The year-end mobility report of a city or county committee (document 3, 四):
figures of the subtree, PDF and .xlsx by a Celery task, submission upward,
late marking, scoping."""

import datetime
import io
import subprocess
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches.models import OrgKind, OrgLevel, Role
from config.celery import app as celery_app
from mobility import tasks, year_report
from mobility.models import MobilityYearReport
from tests.factories import OrganizationFactory, RoleAssignmentFactory, UserFactory

from .test_registry import build_world

pytestmark = pytest.mark.django_db

EXPECTED_2025 = {
    "out_at_year_end": 2,
    "in_at_year_end": 1,
    "new_episodes": 2,
    "returned": 1,
    "certificates_issued": 1,
    "certificates_checked_in": 1,
    "certificates_reviewed": 1,
    "org_life_entries": 2,
    "dues_entries": 1,
    "yearly_reports_due": 1,
    "yearly_reports_received": 1,
    "lost_contact": 1,
    "probationary_away": 1,
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.build_year_report, "delay", lambda pk: calls.append(pk))
    return calls


def staff(org, role=Role.ORG_STAFF):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=role, organization=org)
    return user


def generated(world, year=2025) -> MobilityYearReport:
    county = world["a"]["county"]
    report = MobilityYearReport.objects.create(organization=county, year=year)
    assert year_report.build(report.pk) is True
    report.refresh_from_db()
    return report


def test_the_figures_count_the_countys_subtree_exactly(world):
    assert year_report.compute_figures(world["a"]["county"], 2025) == EXPECTED_2025


def test_the_province_above_counts_the_same_and_the_other_county_its_own(world):
    # The city above A's county holds the same subtree.
    assert year_report.compute_figures(world["a"]["city"], 2025) == EXPECTED_2025
    other = year_report.compute_figures(world["b"]["county"], 2025)
    # B's county: 张深圳 and 孙别处 are in; 钱流入 and 孙别处 are B's own out.
    assert other["in_at_year_end"] == 2
    assert other["out_at_year_end"] == 2
    assert other["certificates_checked_in"] == 1  # 张深圳's, checked in at 乙支部1


def test_generate_queues_the_task_after_commit_and_the_task_builds_pdf_and_xlsx(
    world, queued, django_capture_on_commit_callbacks, tmp_path
):
    county = world["a"]["county"]
    user = staff(county)
    with django_capture_on_commit_callbacks(execute=True):
        report = year_report.year_report_generate(actor=user, organization=county, year=2025)
    assert queued == [report.pk]
    assert report.generated_at is None and report.status == "draft"

    assert tasks.build_year_report(report.pk) is True
    report.refresh_from_db()
    assert report.figures == EXPECTED_2025
    assert report.generated_at is not None
    path = tmp_path / "report.pdf"
    path.write_bytes(report.pdf.read())
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "甲县" in text and "2025" in text
    # Labels through gettext: compare with the label in the active language.
    labels = dict(year_report.FIGURE_LABELS)
    assert str(labels["out_at_year_end"]) in text and str(labels["in_at_year_end"]) in text
    sheet = load_workbook(io.BytesIO(report.xlsx.read())).active
    values = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert values[str(labels["out_at_year_end"])] == 2
    assert values[str(labels["returned"])] == 1

    # Idempotent: a second run gives the same figures and keeps one pair of files.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.build_year_report(report.pk) is True
    report.refresh_from_db()
    assert report.figures == EXPECTED_2025
    assert len(list((tmp_path / "media" / "mobility-reports").iterdir())) == 2


def test_only_a_city_or_county_committee_reports(world, queued):
    township = world["a"]["township"]
    user = staff(world["a"]["county"])
    with pytest.raises(ValidationError) as error:
        year_report.year_report_generate(actor=user, organization=township, year=2025)
    assert "organization" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        year_report.year_report_generate(
            actor=user, organization=world["a"]["county"], year=timezone.localdate().year + 1
        )
    assert "year" in error.value.message_dict
    assert queued == []


def test_a_submitted_report_is_neither_regenerated_nor_rebuilt(world, queued):
    county = world["a"]["county"]
    user = staff(county)
    report = generated(world)
    year_report.year_report_submit(actor=user, report=report)
    with pytest.raises(ValidationError) as error:
        year_report.year_report_generate(actor=user, organization=county, year=2025)
    assert "status" in error.value.message_dict
    assert year_report.build(report.pk) is False


def test_submission_before_generation_is_refused(world):
    county = world["a"]["county"]
    report = MobilityYearReport.objects.create(organization=county, year=2025)
    with pytest.raises(ValidationError) as error:
        year_report.year_report_submit(actor=staff(county), report=report)
    assert "status" in error.value.message_dict


def test_submit_then_the_upper_level_sees_it_and_accepts_or_returns(client, world):
    county, city = world["a"]["county"], world["a"]["city"]
    report = generated(world)
    client.force_login(staff(county))
    response = client.post(reverse("mobility:year-report-submit", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted" and report.submitted_at is not None

    # The county cannot decide on its own report (the city is out of its reach).
    with pytest.raises(Http404):
        year_report.year_report_accept(actor=staff(county), report=report)

    upper = staff(city)
    client.force_login(upper)
    page = client.get(reverse("mobility:year-reports", args=[city.pk]), {"year": 2025})
    html = page.content.decode()
    assert page.status_code == 200 and "甲县" in html
    assert reverse("mobility:year-report-decide", args=[report.pk, "accept"]) in html

    refused = client.post(reverse("mobility:year-report-decide", args=[report.pk, "return"]))
    assert refused.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted", "a return without a note is refused"

    client.post(
        reverse("mobility:year-report-decide", args=[report.pk, "return"]),
        {"note": "失联人数需核实"},
    )
    report.refresh_from_db()
    assert report.status == "returned" and report.decision_note == "失联人数需核实"
    assert report.decided_by == upper

    year_report.year_report_submit(actor=staff(county), report=report)
    year_report.year_report_accept(actor=upper, report=report)
    report.refresh_from_db()
    assert report.status == "accepted"


def test_late_reports_are_marked_for_the_upper_level(client, world):
    city = world["a"]["city"]
    silent = OrganizationFactory(
        name="甲二县", parent=city, kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    report = generated(world)
    report.status = "submitted"
    report.submitted_at = timezone.make_aware(datetime.datetime(2026, 1, 20, 9))
    report.save()
    rows = year_report.child_reports(
        user=staff(city), organization=city, year=2025, today=datetime.date(2026, 2, 1)
    )
    late = {row["organization"].name: row["late"] for row in rows}
    assert late == {"甲县": False, "甲二县": True}
    # Before the deadline nobody is late yet.
    rows = year_report.child_reports(
        user=staff(city), organization=city, year=2025, today=datetime.date(2026, 1, 31)
    )
    assert not any(row["late"] for row in rows)
    # Submitted after 31 January: late.
    report.submitted_at = timezone.make_aware(datetime.datetime(2026, 2, 3, 9))
    assert year_report.is_late(report, 2025, today=datetime.date(2026, 3, 1))

    client.force_login(staff(city))
    html = client.get(reverse("mobility:year-reports", args=[city.pk]), {"year": 2025}).content
    assert "甲二县" in html.decode() and "table-danger" in html.decode()
    assert silent.pk


def test_the_page_polls_until_generated_then_offers_the_files(client, world, queued):
    county = world["a"]["county"]
    client.force_login(staff(county))
    response = client.post(
        reverse("mobility:year-report-generate", args=[county.pk]), {"year": 2025}
    )
    assert response.status_code == 302
    report = MobilityYearReport.objects.get(organization=county, year=2025)
    page = client.get(reverse("mobility:year-report", args=[county.pk]), {"year": 2025})
    assert 'hx-trigger="every 2s"' in page.content.decode()
    year_report.build(report.pk)
    fragment = client.get(reverse("mobility:year-report-status", args=[report.pk])).content
    assert b"hx-trigger" not in fragment
    assert reverse("mobility:year-report-pdf", args=[report.pk]).encode() in fragment
    pdf = client.get(reverse("mobility:year-report-pdf", args=[report.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_another_county_gets_404_on_every_report_url(client, world):
    report = generated(world)
    county = world["a"]["county"]
    client.force_login(staff(world["b"]["county"]))
    for url in (
        reverse("mobility:year-report", args=[county.pk]),
        reverse("mobility:year-reports", args=[world["a"]["city"].pk]),
        reverse("mobility:year-report-status", args=[report.pk]),
        reverse("mobility:year-report-pdf", args=[report.pk]),
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        reverse("mobility:year-report-generate", args=[county.pk]),
        reverse("mobility:year-report-submit", args=[report.pk]),
        reverse("mobility:year-report-decide", args=[report.pk, "accept"]),
    ):
        assert client.post(url).status_code == 404, url
    api = client.get(reverse("v1:mobility-year-report-list")).json()
    assert api["results"] == [] if "results" in api else api == []
    assert (
        client.get(reverse("v1:mobility-year-report-detail", args=[report.pk])).status_code == 404
    )


def test_api_generates_submits_and_the_upper_level_accepts(client, world, queued):
    county, city = world["a"]["county"], world["a"]["city"]
    client.force_login(staff(county))
    created = client.post(
        reverse("v1:mobility-year-report-list"),
        {"organization": county.pk, "year": 2025},
        content_type="application/json",
    )
    assert created.status_code == 202
    pk = created.json()["id"]
    early = client.post(reverse("v1:mobility-year-report-submit", args=[pk]))
    assert early.status_code == 400 and "status" in early.json()
    year_report.build(pk)
    assert client.post(reverse("v1:mobility-year-report-submit", args=[pk])).status_code == 200
    client.force_login(staff(city))
    listed = client.get(reverse("v1:mobility-year-report-list"), {"year": 2025}).json()
    assert [r["organization_name"] for r in listed["results"]] == ["甲县"]
    assert listed["results"][0]["figures"]["out_at_year_end"] == 2
    bad = client.post(
        reverse("v1:mobility-year-report-return", args=[pk]), {}, content_type="application/json"
    )
    assert bad.status_code == 400 and "note" in bad.json()
    ok = client.post(reverse("v1:mobility-year-report-accept", args=[pk]))
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"


@pytest.mark.django_db(transaction=True)
def test_the_task_runs_in_a_real_worker(settings, tmp_path):
    world = build_world()
    report = MobilityYearReport.objects.create(organization=world["a"]["county"], year=2025)
    queue = f"test-{uuid.uuid4().hex}"
    with start_worker(celery_app, perform_ping_check=False, queues=[queue], shutdown_timeout=10):
        result = tasks.build_year_report.apply_async(args=[report.pk], queue=queue)
        assert result.get(timeout=60) is True
    report.refresh_from_db()
    assert report.figures == EXPECTED_2025 and report.pdf and report.xlsx


def test_the_demo_generates_and_submits_langzhongs_report_once(world):
    from mobility.demo_registry import ensure_year_reports

    langzhong = OrganizationFactory(
        name="阆中市",
        code="SC-NC-LZ",
        parent=world["a"]["city"],
        kind=OrgKind.LOCAL_COMMITTEE,
        level=OrgLevel.COUNTY,
    )
    UserFactory(username="demo-admin", is_superuser=True)
    assert ensure_year_reports() == {"year_reports": 1}
    report = MobilityYearReport.objects.get(organization=langzhong)
    assert report.year == year_report.latest_reportable_year()
    assert report.status == "submitted" and report.pdf and report.figures
    assert ensure_year_reports() == {"year_reports": 0}


def on_day(monkeypatch, day: datetime.date) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def test_received_counts_the_yearly_reports_capped_at_the_policy(world):
    from mobility.models import MemberReport
    from tests.factories import PolicyOverrideFactory

    county = world["a"]["county"]
    PolicyOverrideFactory(organization=county, key="mobile_reports_per_year", value=2)
    figures = year_report.compute_figures(county, 2025)
    assert figures["yearly_reports_due"] == 2 and figures["yearly_reports_received"] == 1
    for day in (datetime.date(2025, 11, 20), datetime.date(2025, 12, 20)):
        MemberReport.objects.create(
            episode=world["shenzhen"],
            kind="yearly",
            year=2025,
            on=day,
            submitted_by=world["actor"],
        )
    figures = year_report.compute_figures(county, 2025)
    # Three reports by one member count as the two the policy asks, no more.
    assert figures["yearly_reports_due"] == 2 and figures["yearly_reports_received"] == 2


def test_the_current_year_is_reported_only_from_1_december(client, world, queued, monkeypatch):
    county = world["a"]["county"]
    user = staff(county)
    on_day(monkeypatch, datetime.date(2026, 11, 30))
    assert not year_report.is_reportable(2026)
    with pytest.raises(ValidationError) as error:
        year_report.year_report_generate(actor=user, organization=county, year=2026)
    assert "year" in error.value.message_dict and "2026" in error.value.messages[0]
    with pytest.raises(ValidationError):
        year_report.year_report_generate(actor=user, organization=county, year=2027)
    year_report.year_report_generate(actor=user, organization=county, year=2025)  # finished year

    # A draft of the unfinished year (made earlier) cannot be submitted either.
    early = MobilityYearReport.objects.create(
        organization=county, year=2026, generated_at=timezone.now()
    )
    with pytest.raises(ValidationError) as error:
        year_report.year_report_submit(actor=user, report=early)
    assert "year" in error.value.message_dict
    client.force_login(user)
    page = client.get(reverse("mobility:year-report", args=[county.pk]), {"year": 2026})
    html = page.content.decode()
    assert 'id="year-not-reportable"' in html
    assert reverse("mobility:year-report-submit", args=[early.pk]) not in html
    response = client.post(
        reverse("mobility:year-report-generate", args=[county.pk]), {"year": 2026}
    )
    assert response.status_code == 302
    assert not MobilityYearReport.objects.filter(year=2026, generated_at__isnull=True).exists()

    on_day(monkeypatch, datetime.date(2026, 12, 1))
    assert year_report.is_reportable(2026) and year_report.latest_reportable_year() == 2026
    year_report.year_report_submit(actor=user, report=early)
    early.refresh_from_db()
    assert early.status == "submitted"


def test_whoever_submitted_cannot_accept_and_the_county_cannot_decide(world):
    county, city = world["a"]["county"], world["a"]["city"]
    report = generated(world)
    upper = staff(city)  # CHANGE on the city reaches the county: may submit
    year_report.year_report_submit(actor=upper, report=report)
    for decide in (
        lambda: year_report.year_report_accept(actor=upper, report=report),
        lambda: year_report.year_report_return(actor=upper, report=report, note="再核实"),
    ):
        with pytest.raises(ValidationError) as error:
            decide()
        assert "status" in error.value.message_dict
    report.refresh_from_db()
    assert report.status == "submitted" and report.decided_by is None
    with pytest.raises(Http404):  # the county acts for itself, not the one above
        year_report.year_report_accept(actor=staff(county), report=report)
    other = staff(city)
    year_report.year_report_accept(actor=other, report=report)
    report.refresh_from_db()
    assert report.status == "accepted" and report.decided_by == other


def test_a_missing_stored_file_is_404_not_500(client, world):
    report = generated(world)
    report.pdf.storage.delete(report.pdf.name)
    client.force_login(staff(world["a"]["county"]))
    assert client.get(reverse("mobility:year-report-pdf", args=[report.pk])).status_code == 404
    xlsx = client.get(reverse("mobility:year-report-xlsx", args=[report.pk]))
    assert xlsx.status_code == 200


def test_labels_and_titles_go_through_gettext(world):
    from django.utils import translation

    from mobility import registry

    report = generated(world)
    with translation.override("en"):
        assert str(dict(year_report.FIGURE_LABELS)["out_at_year_end"]).isascii()
        assert year_report.report_title(report) == "甲县, work on mobile members in 2025"
        assert str(registry.HEADERS[0][0]) == "Name"
        assert str(registry.SHEET_TITLE).isascii()


def test_due_and_received_follow_each_branchs_override(world):
    from tests.factories import PolicyOverrideFactory

    # Only 张深圳's branch asks three a year; the county keeps the default.
    branch = world["shenzhen"].outflow_branch
    PolicyOverrideFactory(organization=branch, key="mobile_reports_per_year", value=3)
    figures = year_report.compute_figures(world["a"]["county"], 2025)
    assert figures["yearly_reports_due"] == 3 and figures["yearly_reports_received"] == 1
