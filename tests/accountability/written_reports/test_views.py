"""Pages, API and PDF of annual written reports: both sides, scoping (404
outside reach, lists clean), the steps, the late list, query counts."""

import datetime
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accountability.written_reports import services
from accountability.written_reports.models import WrittenReport
from branches.models import OrgKind, OrgLevel
from tests.factories import MemberFactory, OrganizationFactory

from .conftest import YEAR, start
from .walk import PDF

pytestmark = pytest.mark.django_db

API = "/api/v1/written-reports/"


def test_start_edit_recompute_submit_through_the_pages(client, world):
    a, u = world["a"], world["u"]
    client.force_login(u["county"])
    url = reverse("written_reports:list", args=[a["county"].pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["startable"] == [YEAR + 1, YEAR]
    response = client.post(url, {"year": YEAR})
    report = WrittenReport.objects.get(organization=a["county"], year=YEAR)
    assert response.status_code == 302
    assert response.url == reverse("written_reports:edit", args=[report.pk])
    assert report.recipient == a["city"]
    edit = reverse("written_reports:edit", args=[report.pk])
    page = client.get(edit)
    assert page.status_code == 200
    body = page.content.decode()
    assert "子树内在册党员人数" in body  # the formula is shown with the figure
    assert reverse("branches:detail", args=[a["county"].pk]) in body  # and its records
    # Submitting with empty sections names them.
    step = reverse("written_reports:step", args=[report.pk, "submit"])
    client.post(step)
    report.refresh_from_db()
    assert report.status == "draft"
    data = {
        "achievements": "按期换届率100%",
        "problems": "流动党员联系不及时",
        "plans": "建立按月联系制度",
        "plenary_on": f"{YEAR}-12-28",
        "plenary_note": "全委会审议通过",
    }
    assert client.post(edit, data).status_code == 302
    MemberFactory(branch=a["branch1"])
    client.post(reverse("written_reports:step", args=[report.pk, "recompute"]))
    assert report.figures.get(key="members").value == 1
    response = client.post(step)
    assert response.url == reverse("written_reports:report", args=[report.pk])
    report.refresh_from_db()
    assert report.status == "submitted" and report.plenary_on == datetime.date(YEAR, 12, 28)
    # The editor is closed now.
    assert client.get(edit).status_code == 302


def test_start_refused_for_a_grassroots_committee(client, world):
    a = world["a"]
    client.force_login(world["u"]["county"])
    url = reverse("written_reports:list", args=[a["township"].pk])
    page = client.get(url)
    assert page.status_code == 200 and not page.context["can_start"]
    response = client.post(url, {"year": YEAR})
    assert response.status_code == 200
    assert "川镇" in " ".join(response.context["form"].non_field_errors())
    assert not WrittenReport.objects.exists()


def test_plenary_attachment_is_checked_by_bytes_and_served_in_scope(
    client, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    report = start(world)
    client.force_login(world["u"]["county"])
    edit = reverse("written_reports:edit", args=[report.pk])
    data = {"achievements": "成效", "problems": "问题", "plans": "打算"}
    fake = SimpleUploadedFile("报告.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(edit, {**data, "plenary_file": fake})
    assert response.status_code == 200 and "plenary_file" in response.context["form"].errors
    report.refresh_from_db()
    assert not report.plenary_file and report.achievements == "按期换届率100%"
    upload = SimpleUploadedFile("全委会报告.pdf", PDF, content_type="application/pdf")
    assert client.post(edit, {**data, "plenary_file": upload}).status_code == 302
    report.refresh_from_db()
    assert report.plenary_file_name == "全委会报告.pdf" and report.plenary_size == len(PDF)
    url = reverse("written_reports:plenary_file", args=[report.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF
    client.force_login(world["u"]["city"])
    assert client.get(url).status_code == 200
    client.force_login(world["u"]["other_county"])
    assert client.get(url).status_code == 404


def test_recipient_accepts_and_returns_on_the_report_page(client, world):
    u = world["u"]
    report = start(world)
    services.report_submit(actor=u["county"], report=report)
    page_url = reverse("written_reports:report", args=[report.pk])
    client.force_login(u["county"])
    page = client.get(page_url)
    assert page.status_code == 200 and not page.context["can_review"]
    assert (
        client.post(reverse("written_reports:step", args=[report.pk, "accept"])).status_code == 403
    )
    client.force_login(u["city"])
    assert client.get(page_url).context["can_review"]
    client.post(reverse("written_reports:step", args=[report.pk, "return"]), {"note": "请补充"})
    report.refresh_from_db()
    assert report.status == "returned" and report.return_note == "请补充"
    services.report_submit(actor=u["county"], report=report)
    client.post(reverse("written_reports:step", args=[report.pk, "accept"]), {"note": "同意"})
    report.refresh_from_db()
    assert report.status == "accepted" and report.accepted_by == u["city"]
    actions = [e["action"] for e in client.get(page_url).context["timeline"]]
    assert actions[0] == "written_reports.start"
    assert actions[-4:] == [
        "written_reports.submit",
        "written_reports.return",
        "written_reports.submit",
        "written_reports.accept",
    ]


def test_other_county_and_province_get_404_and_clean_lists(client, world):
    a, u = world["a"], world["u"]
    report = start(world)
    urls = [
        reverse("written_reports:report", args=[report.pk]),
        reverse("written_reports:edit", args=[report.pk]),
        reverse("written_reports:pdf", args=[report.pk]),
        reverse("written_reports:received", args=[a["city"].pk]),
        reverse("written_reports:list", args=[a["county"].pk]),
        f"{API}{report.pk}/",
        f"{API}{report.pk}/pdf/",
    ]
    for name in ("other_county", "other_province", "secretary"):
        client.force_login(u[name])
        for url in urls:
            assert client.get(url).status_code == 404, (name, url)
        for step in ("submit", "recompute", "accept", "return"):
            assert (
                client.post(reverse("written_reports:step", args=[report.pk, step])).status_code
                == 404
            )
            assert client.post(f"{API}{report.pk}/{step}/").status_code == 404
        assert client.get(API).json()["count"] == 0
    client.force_login(u["other_county"])
    own = client.get(reverse("written_reports:received", args=[a["city"].pk]))
    assert own.status_code == 404
    report.refresh_from_db()
    assert report.status == "draft"


def test_received_page_lists_who_is_late(client, world, clock):
    a, u = world["a"], world["u"]
    services.report_submit(actor=u["city"], report=start(world, world["group"], actor="city"))
    start(world)
    client.force_login(u["city"])
    url = reverse("written_reports:received", args=[a["city"].pk])
    page = client.get(url, {"year": YEAR})
    assert page.status_code == 200
    rows = {r.organization.pk: r for r in page.context["page"]}
    assert rows[a["county"].pk].late and rows[world["county2"].pk].late
    assert not rows[world["group"].pk].late
    assert page.context["counts"]["late"] == 2
    clock.set(datetime.date(YEAR + 1, 1, 10))
    assert client.get(url, {"year": YEAR}).context["counts"]["late"] == 0


def test_pdf_has_the_organisation_and_a_figure(client, world, tmp_path):
    a = world["a"]
    MemberFactory(branch=a["branch1"])
    MemberFactory(branch=a["branch2"])
    report = start(world)
    client.force_login(world["u"]["city"])
    for url in (reverse("written_reports:pdf", args=[report.pk]), f"{API}{report.pk}/pdf/"):
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        content = response.content
        assert content.startswith(b"%PDF")
        path = tmp_path / "report.pdf"
        path.write_bytes(content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout
        assert a["county"].name in text
        assert "党员人数" in text and "子树内在册党员人数" in text


def test_api_create_update_steps(client, world):
    a, u = world["a"], world["u"]
    client.force_login(u["county"])
    response = client.post(API, {"organization": a["county"].pk, "year": YEAR}, "application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["recipient"] == a["city"].pk and body["status"] == "draft"
    assert {f["key"] for f in body["figures"]} == {"members", "full_share"}
    assert all(f["formula"] for f in body["figures"])
    pk = body["id"]
    again = client.post(API, {"organization": a["county"].pk, "year": YEAR}, "application/json")
    assert again.status_code == 400 and "year" in again.json()
    outside = client.post(
        API, {"organization": world["b"]["county"].pk, "year": YEAR}, "application/json"
    )
    assert outside.status_code == 404
    assert client.post(f"{API}{pk}/submit/").status_code == 400
    response = client.patch(
        f"{API}{pk}/",
        {"achievements": "成效", "problems": "问题", "plans": "打算", "plenary_on": "2020-01-01"},
        "application/json",
    )
    assert response.status_code == 400 and "plenary_on" in response.json()
    response = client.patch(
        f"{API}{pk}/",
        {"achievements": "成效", "problems": "问题", "plans": "打算"},
        "application/json",
    )
    assert response.status_code == 200 and response.json()["plans"] == "打算"
    assert client.post(f"{API}{pk}/recompute/").status_code == 200
    assert client.post(f"{API}{pk}/submit/").json()["status"] == "submitted"
    assert client.post(f"{API}{pk}/recompute/").status_code == 400
    assert client.post(f"{API}{pk}/accept/").status_code == 403
    client.force_login(u["city"])
    assert client.get(API, {"recipient": a["city"].pk}).json()["count"] == 1
    assert client.post(f"{API}{pk}/return/", {}, "application/json").status_code == 400
    response = client.post(f"{API}{pk}/return/", {"note": "补充"}, "application/json")
    assert response.json()["status"] == "returned"
    client.force_login(u["county"])
    assert client.post(f"{API}{pk}/submit/").json()["status"] == "resubmitted"
    client.force_login(u["city"])
    assert client.post(f"{API}{pk}/accept/").json()["status"] == "accepted"
    assert client.patch(f"{API}{pk}/", {"plans": "x"}, "application/json").status_code == 400


def test_query_counts_are_constant(client, world, django_assert_max_num_queries):
    a, u = world["a"], world["u"]
    start(world)
    client.force_login(u["city"])
    urls = [
        reverse("written_reports:received", args=[a["city"].pk]) + f"?year={YEAR}",
        reverse("written_reports:list", args=[a["county"].pk]),
        API,
    ]
    counts = []
    for url in urls:
        with django_assert_max_num_queries(25) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    for i in range(6):
        county = OrganizationFactory(
            name=f"川新县{i}", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
        )
        if i % 2:
            start(world, county, actor="city", year=YEAR)
        start(world, a["county"], actor="county", year=YEAR - 1 - i)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


def test_links_on_the_organisation_page(client, world):
    a = world["a"]
    client.force_login(world["u"]["city"])
    body = client.get(reverse("branches:detail", args=[a["county"].pk])).content.decode()
    assert reverse("written_reports:list", args=[a["county"].pk]) in body
    assert reverse("written_reports:received", args=[a["county"].pk]) in body
    body = client.get(reverse("branches:detail", args=[a["township"].pk])).content.decode()
    assert reverse("written_reports:list", args=[a["township"].pk]) not in body


def test_a_single_organisation_grant_lists_no_committee_below_it(client, world):
    from branches.services import grant_object_permission
    from tests.factories import UserFactory

    a = world["a"]
    url = reverse("written_reports:received", args=[a["city"].pk]) + f"?year={YEAR}"
    client.force_login(world["u"]["city"])
    assert a["county"].name in client.get(url).text
    guest = UserFactory()
    grant_object_permission(actor=None, user=guest, obj=a["city"], action="view")
    client.force_login(guest)
    page = client.get(url)
    assert page.status_code == 200
    assert a["county"].name not in page.text and world["county2"].name not in page.text
