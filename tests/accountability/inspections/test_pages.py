"""Pages, API and report of spot-checks and inspections (document 4 四, document 3 四)."""

import datetime
import io
import subprocess

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from accountability.inspections import services
from accountability.inspections.models import (
    Inspection,
    InspectionResult,
    InspectionSeverity,
    SpotCheck,
    SpotCheckFinding,
)
from accountability.models import RectificationOrder
from tests.factories import MemberFactory, OrganizationFactory

from .conftest import define

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
API = "/api/v1/spot-checks/"


def drawn(spot, **kwargs):
    kwargs.setdefault("branch_sample", 3)
    check = define(spot, **kwargs)
    return services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=2026)


def test_wizard_define_draw_verify_through_the_pages(client, spot):
    a = spot["a"]
    client.force_login(spot["u"]["staff"])
    url = reverse("inspections:spot_checks", args=[a["province"].pk])
    # the entry link sits on the province's page, not on a branch's
    assert url in client.get(reverse("branches:detail", args=[a["province"].pk])).content.decode()
    branch_page = client.get(reverse("branches:detail", args=[a["branch1"].pk])).content.decode()
    assert "/accountability/inspections/spot-checks/org/" not in branch_page
    page = client.get(url)
    assert page.status_code == 200 and 'data-test="method"' in page.content.decode()
    response = client.post(
        url,
        {
            "year": TODAY.year,
            "title": "省委组织部年度抽查",
            "branch_sample": 0,
            "members_per_branch": 2,
            "period_start": TODAY,
            "period_end": TODAY + datetime.timedelta(days=20),
            "inspector_usernames": "spot_inspector nobody_here",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "branch_sample" in errors and "inspector_usernames" in errors
    response = client.post(
        url,
        {
            "year": TODAY.year,
            "title": "省委组织部年度抽查",
            "branch_sample": 3,
            "members_per_branch": 2,
            "period_start": TODAY,
            "period_end": TODAY + datetime.timedelta(days=20),
            "inspector_usernames": "spot_inspector",
        },
    )
    check = SpotCheck.objects.get()
    assert response.status_code == 302 and list(check.inspectors.all()) == [spot["u"]["inspector"]]
    step = reverse("inspections:spot_check_step", args=[check.pk, "draw"])
    client.post(step, {"seed": "123"})
    check.refresh_from_db()
    assert check.status == "drawn" and check.seed == 123
    client.post(step, {"seed": "456"})  # refused: drawn once
    check.refresh_from_db()
    assert check.seed == 123 and check.units.count() == 3
    page = client.get(reverse("inspections:spot_check_verify", args=[check.pk])).content.decode()
    assert 'data-test="verification"' in page and "alert-success" in page


def test_inspector_pages_reach_only_through_grants(client, spot):
    check = drawn(spot, branch_sample=2)
    unit = check.units.first()
    client.force_login(spot["u"]["inspector"])
    mine = client.get(reverse("inspections:mine"))
    assert [u.pk for u in mine.context["page"]] == list(
        check.units.order_by("position").values_list("pk", flat=True)
    )
    assert client.get(reverse("inspections:unit", args=[unit.pk])).status_code == 200
    # the drawn branch's education pages open (through the grant)
    assert client.get(reverse("education:activities", args=[unit.branch_id])).status_code == 200
    response = client.post(
        reverse("inspections:unit", args=[unit.pk]),
        {f"result_{i}": "compliant" for i in ("education", "mobile", "dues", "review", "files")}
        | {"result_dues": "noncompliant", "note_dues": "欠交", "note": "整体较好"},
    )
    assert response.status_code == 302
    assert unit.entries.get(item="dues").result == "noncompliant"
    # the inspector cannot manage the check
    close = reverse("inspections:spot_check_step", args=[check.pk, "close"])
    assert client.post(close).status_code in (403, 404)
    client.force_login(spot["u"]["staff"])
    client.post(close)
    client.force_login(spot["u"]["inspector"])
    assert client.get(reverse("inspections:unit", args=[unit.pk])).status_code == 404
    assert client.get(reverse("inspections:spot_check", args=[check.pk])).status_code == 404
    assert not client.get(reverse("inspections:mine")).context["page"].object_list


def test_other_province_staff_gets_404(client, spot):
    check = drawn(spot)
    unit = check.units.first()
    client.force_login(spot["u"]["staff_b"])
    for url in (
        reverse("inspections:spot_check", args=[check.pk]),
        reverse("inspections:unit", args=[unit.pk]),
        reverse("inspections:report_pdf", args=[check.pk]),
        reverse("inspections:spot_checks", args=[spot["a"]["province"].pk]),
        f"{API}{check.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(API).json()["count"] == 0


def test_finding_page_issues_one_order_and_branch_sees_it(client, spot):
    check = drawn(spot)
    unit = check.units.get(branch=spot["a"]["branch1"])
    client.force_login(spot["u"]["staff"])
    url = reverse("inspections:unit", args=[unit.pk])
    response = client.post(
        url,
        {
            "problem": "党员档案缺少入党志愿书",
            "required": "补齐档案",
            "severity": "serious",
            "deadline": TODAY + datetime.timedelta(days=30),
        },
    )
    assert response.status_code == 302
    finding = SpotCheckFinding.objects.get()
    assert finding.order.source_kind == "spot_check"
    client.post(reverse("inspections:finding_order", args=[finding.pk]))
    assert RectificationOrder.objects.count() == 1
    page = client.get(url).content.decode()
    assert f"/rectifications/{finding.order_id}/" in page
    client.force_login(spot["u"]["secretary"])
    assert client.get(f"/api/v1/spot-check-findings/{finding.pk}/").json()["order_status"] == (
        "issued"
    )
    assert client.get(reverse("accountability:order", args=[finding.order_id])).status_code == 200
    assert client.get(url).status_code == 404  # the checklist belongs to the organiser


def test_api_create_draw_verify_checklist_finding_close(client, spot):
    a = spot["a"]
    client.force_login(spot["u"]["staff"])
    payload = {
        "organizing_org": a["province"].pk,
        "year": TODAY.year,
        "title": "接口抽查",
        "branch_sample": 3,
        "members_per_branch": 1,
        "period_start": TODAY.isoformat(),
        "period_end": (TODAY + datetime.timedelta(days=10)).isoformat(),
        "inspectors": ["spot_inspector"],
    }
    bad = client.post(API, {**payload, "period_end": "2000-01-01"}, content_type="application/json")
    assert bad.status_code == 400 and "period_end" in bad.json()
    response = client.post(API, payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = client.post(f"{API}{pk}/draw/", {"seed": 9}, content_type="application/json")
    assert response.json()["status"] == "drawn" and response.json()["seed"] == 9
    again = client.post(f"{API}{pk}/draw/", {}, content_type="application/json")
    assert again.status_code == 400 and "status" in again.json()
    assert client.get(f"{API}{pk}/verify/").json()["matches"] is True
    units = client.get("/api/v1/spot-check-units/", {"spot_check": pk}).json()["results"]
    assert len(units) == 3
    client.force_login(spot["u"]["inspector"])
    unit_pk = units[0]["id"]
    response = client.post(
        f"/api/v1/spot-check-units/{unit_pk}/checklist/",
        {"results": [{"item": "review", "result": "mostly", "note": "评议表不全"}]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert {e["item"]: e["result"] for e in response.json()["entries"]}["review"] == "mostly"
    finding = client.post(
        "/api/v1/spot-check-findings/",
        {
            "unit": unit_pk,
            "problem": "民主评议记录不全",
            "required": "补全",
            "severity": "minor",
            "deadline": (TODAY + datetime.timedelta(days=9)).isoformat(),
        },
        content_type="application/json",
    )
    assert finding.status_code == 201 and finding.json()["order"] is None
    client.force_login(spot["u"]["staff"])
    fid = finding.json()["id"]
    first = client.post(f"/api/v1/spot-check-findings/{fid}/order/").json()["order"]
    second = client.post(f"/api/v1/spot-check-findings/{fid}/order/").json()["order"]
    assert first == second and RectificationOrder.objects.count() == 1
    assert client.post(f"{API}{pk}/close/").json()["status"] == "closed"
    client.force_login(spot["u"]["inspector"])
    assert client.get(f"/api/v1/spot-check-units/{unit_pk}/").status_code == 404


def _pdftotext(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_report_pdf_and_xlsx(client, spot, tmp_path):
    check = drawn(spot)
    unit = check.units.get(branch=spot["community"])
    services.checklist_record(
        actor=spot["u"]["staff"],
        unit=unit,
        results={"dues": ("noncompliant", ""), "files": ("compliant", "")},
    )
    services.finding_record(
        actor=spot["u"]["staff"],
        unit=unit,
        problem="党费未按月收缴",
        required="按月收缴",
        severity="grave",
        deadline=TODAY + datetime.timedelta(days=5),
    )
    client.force_login(spot["u"]["staff"])
    response = client.get(reverse("inspections:report_pdf", args=[check.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = _pdftotext(response.content, tmp_path)
    assert check.title in text and "川二市社区支部" in text
    response = client.get(reverse("inspections:report_xlsx", args=[check.pk]))
    book = load_workbook(io.BytesIO(response.content))
    summary, units = book.worksheets
    rows = [tuple(r) for r in summary.iter_rows(values_only=True)]
    with translation.override(settings.LANGUAGE_CODE):  # the language of the request
        total_label = translation.gettext("Total")
        labels = [
            str(InspectionResult.NONCOMPLIANT.label),
            str(InspectionResult.COMPLIANT.label),
            str(InspectionSeverity.GRAVE.label),
        ]
    total = next(r for r in rows if r[0] == total_label)
    assert total[3] == 3 and total[4] == 3  # population vs drawn
    counts = {r[0]: r[1] for r in rows if r and r[0] in labels}
    assert counts == dict.fromkeys(labels, 1)
    unit_rows = {r[0]: r for r in units.iter_rows(min_row=2, values_only=True)}
    assert unit_rows["川二市社区支部"][-2:] == (1, 1)
    assert set(unit_rows) == set(check.units.values_list("branch__name", flat=True))
    # the inspector may download too; another province may not
    client.force_login(spot["u"]["inspector"])
    assert client.get(f"{API}{check.pk}/report-xlsx/").status_code == 200
    client.force_login(spot["u"]["staff_b"])
    assert client.get(f"{API}{check.pk}/report-pdf/").status_code == 404


def test_unit_list_query_count_is_constant(client, spot, django_assert_max_num_queries):
    check = drawn(spot)
    client.force_login(spot["u"]["staff"])
    urls = [
        reverse("inspections:spot_check", args=[check.pk]),
        "/api/v1/spot-check-units/",
    ]
    counts = []
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(40) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    more = define(spot, title="第二次抽查", branch_sample=8)
    for i in range(6):
        branch = OrganizationFactory(
            name=f"川新支部{i}",
            parent=spot["a"]["township"],
            kind="branch",
            level="village",
            sector="rural",
        )
        MemberFactory(branch=branch)
    more = services.spot_check_draw(actor=spot["u"]["staff"], spot_check=more, seed=1)
    urls[0] = reverse("inspections:spot_check", args=[more.pk])
    assert more.units.count() == 8
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)


def test_inspection_with_results_and_findings(client, spot):
    a = spot["a"]
    client.force_login(spot["u"]["staff"])
    url = reverse("inspections:inspections", args=[a["city"].pk])
    response = client.post(
        url,
        {
            "kind": "circuit",
            "title": "基层党建巡回检查",
            "period_start": TODAY,
            "period_end": TODAY + datetime.timedelta(days=5),
            "organizations": [a["branch1"].pk, a["branch2"].pk],
            "items": "三会一课落实情况\n党费收缴情况\n",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    inspection = Inspection.objects.get()
    assert inspection.items.count() == 2
    page = client.get(reverse("inspections:inspection", args=[inspection.pk]))
    form = page.context["results_form"]
    data = {name: "compliant" for name in form.fields if name.startswith("result_")}
    data["follow_up"] = "一个月后回访"
    assert (
        client.post(reverse("inspections:inspection", args=[inspection.pk]), data).status_code
        == 302
    )
    response = client.post(
        reverse("inspections:inspection", args=[inspection.pk]),
        {
            "organization": a["branch2"].pk,
            "problem": "党费台账缺失",
            "required": "建立台账",
            "severity": "minor",
            "deadline": TODAY + datetime.timedelta(days=15),
        },
    )
    assert response.status_code == 302
    order = RectificationOrder.objects.get()
    assert order.source_kind == "inspection" and order.organization == a["branch2"]
    inspection.refresh_from_db()
    assert inspection.follow_up == "一个月后回访"
    # outside the organiser's subtree is refused, by field
    with pytest.raises(Exception) as error:
        services.inspection_create(
            actor=spot["u"]["staff"],
            organizing_org=a["city"],
            kind="supervision",
            title="x",
            period_start=TODAY,
            period_end=TODAY,
            organizations=[spot["community"]],
            items=["a"],
        )
    assert "organizations" in error.value.message_dict
    client.force_login(spot["u"]["staff_b"])
    assert client.get(reverse("inspections:inspection", args=[inspection.pk])).status_code == 404
    assert client.get("/api/v1/inspections/").json()["count"] == 0
    client.force_login(spot["u"]["staff"])
    assert client.get("/api/v1/inspections/").json()["count"] == 1
