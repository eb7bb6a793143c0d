"""config.exports: any list as .xlsx, streamed, text never a formula, and an
append-only record of who exported what. The member list is the example page."""

import datetime
import io
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest
from django.db import transaction
from django.http import FileResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from branches.models import ExportRecord, Role
from config import exports
from members.models import Member
from members.views import PAGE_SIZE
from tests.factories import (
    ActorFactory,
    MemberFactory,
    RoleAssignmentFactory,
    province_tree,
)


@pytest.fixture
def world(db):
    return {"a": province_tree("甲"), "b": province_tree("乙")}


@pytest.fixture
def secretary(world):
    user = ActorFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=world["a"]["branch1"])
    return user


def sheet_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def sheet_cells(response):
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return workbook.active


def export(rows, columns, user, path="/members/?format=xlsx&q=x", **kwargs):
    request = RequestFactory().get(path)
    request.user = user
    return exports.xlsx_response(
        request, rows=rows, columns=columns, filename="党员名单.xlsx", what="test", **kwargs
    )


# --- cells --------------------------------------------------------------------------


def test_text_that_looks_like_a_formula_stays_text(world, secretary):
    for i, name in enumerate(["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("x")']):
        MemberFactory(branch=world["a"]["branch1"], name=name, phone=f"1380000000{i}")
    response = export(Member.objects.order_by("pk"), [("name", "name")], secretary)
    sheet = sheet_cells(response)
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("x")']
    assert all(c.data_type == "s" for c in cells)


def test_dates_numbers_and_booleans_keep_their_kind(world, secretary):
    MemberFactory(branch=world["a"]["branch1"], name="张三", birth_date=datetime.date(1970, 5, 6))
    columns = [
        ("birth", "birth_date"),
        ("hours", lambda m: Decimal("2.5")),
        ("count", lambda m: 7),
        ("full", lambda m: m.status == "full"),
        ("probationary", lambda m: m.status == "probationary"),
        ("branch", "branch.name"),
        ("status", "get_status_display"),
        ("nothing", lambda m: None),
    ]
    with translation.override("zh-hans"):
        response = export(Member.objects.all(), columns, secretary)
        sheet = sheet_cells(response)
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header == [
        "birth",
        "hours",
        "count",
        "full",
        "probationary",
        "branch",
        "status",
        "nothing",
    ]
    assert all(c.font.bold for c in next(sheet.iter_rows(max_row=1)))
    assert sheet.freeze_panes == "A2"
    birth, hours, count, full, probationary, branch, status, nothing = next(
        sheet.iter_rows(min_row=2)
    )
    assert birth.value == datetime.datetime(1970, 5, 6) and birth.is_date
    assert birth.number_format == "yyyy-mm-dd"
    assert (hours.value, hours.data_type) == (2.5, "n")
    assert (count.value, count.data_type) == (7, "n")
    assert (full.value, probationary.value) == ("否", "是")
    assert branch.value == "甲支部1"
    assert status.value == "预备党员"
    assert nothing.value is None


def test_the_chinese_file_name_survives(world, secretary):
    response = export(Member.objects.none(), [("name", "name")], secretary)
    assert isinstance(response, FileResponse) and response.streaming
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=utf-8''{quote('党员名单.xlsx')}" in disposition
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE


# --- the record of exports ------------------------------------------------------------


def test_every_export_is_recorded_with_its_row_count(world, secretary):
    MemberFactory.create_batch(3, branch=world["a"]["branch1"])
    export(
        Member.objects.all(),
        [("name", "name")],
        secretary,
        organization=world["a"]["branch1"],
    )
    record = ExportRecord.objects.get()
    assert record.user == secretary
    assert record.row_count == 3
    assert record.what == "test"
    assert record.path == "/members/?format=xlsx&q=x"
    assert record.organization == world["a"]["branch1"]
    assert record.at is not None


def test_export_records_cannot_be_changed_or_deleted(world, secretary):
    export(Member.objects.none(), [("name", "name")], secretary, organization=world["a"]["branch2"])
    record = ExportRecord.objects.get()
    record.row_count = 99
    with pytest.raises(Exception, match=r"(?i)cannot update"), transaction.atomic():
        record.save()
    with pytest.raises(Exception, match=r"(?i)cannot delete"), transaction.atomic():
        ExportRecord.objects.filter(pk=record.pk).delete()
    # Only the organisation's deletion may clear the link; the record stays.
    world["a"]["branch2"].delete()
    record.refresh_from_db()
    assert (record.organization, record.row_count) == (None, 0)


# --- the member list --------------------------------------------------------------------


def test_the_member_list_exports_every_page_of_the_filtered_rows(client, world, secretary):
    branch = world["a"]["branch1"]
    full = MemberFactory.create_batch(PAGE_SIZE + 5, branch=branch, full=True)
    MemberFactory.create_batch(3, branch=branch)  # probationary: filtered out
    MemberFactory.create_batch(2, branch=world["a"]["branch2"], full=True)  # not visible
    MemberFactory.create_batch(2, branch=world["b"]["branch1"], full=True)  # other province
    client.force_login(secretary)
    page = client.get(reverse("members:list"), {"status": "full"})
    assert page.context["page"].paginator.count == PAGE_SIZE + 5
    assert b"format=xlsx" in page.content  # the button

    response = client.get(reverse("members:list"), {"status": "full", "format": "xlsx"})
    assert response.status_code == 200
    rows = sheet_rows(response)
    assert rows[0][0] == "姓名"
    assert sorted(r[0] for r in rows[1:]) == sorted(m.name for m in full)
    assert {r[6] for r in rows[1:]} == {"甲支部1"}
    masked = {r[7] for r in rows[1:]}
    assert all("*" in number for number in masked)  # masked, as the page shows
    record = ExportRecord.objects.get()
    assert (record.user, record.what, record.row_count) == (
        secretary,
        "members.list",
        PAGE_SIZE + 5,
    )
    assert "status=full" in record.path


def test_another_province_sees_none_of_it(client, world, secretary):
    MemberFactory.create_batch(2, branch=world["a"]["branch1"])
    other = ActorFactory()
    RoleAssignmentFactory(user=other, role=Role.SECRETARY, organization=world["b"]["branch1"])
    MemberFactory(branch=world["b"]["branch1"], name="乙某")
    client.force_login(other)
    rows = sheet_rows(client.get(reverse("members:list"), {"format": "xlsx"}))
    assert [r[0] for r in rows[1:]] == ["乙某"]
    # Another province's branch as a filter: 404, and nothing recorded.
    response = client.get(
        reverse("members:list"), {"format": "xlsx", "branch": world["a"]["branch1"].pk}
    )
    assert response.status_code == 404
    assert ExportRecord.objects.count() == 1


def test_an_anonymous_user_is_sent_to_log_in(client, world):
    response = client.get(reverse("members:list"), {"format": "xlsx"})
    assert response.status_code == 302
    assert not ExportRecord.objects.exists()


def test_export_queries_do_not_grow_with_the_rows(client, world, secretary):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(secretary)
    url = reverse("members:list")

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"format": "xlsx"})
            rows = sheet_rows(response)
        return len(queries), len(rows) - 1

    MemberFactory.create_batch(3, branch=world["a"]["branch1"])
    few, n = count()
    assert n == 3
    MemberFactory.create_batch(27, branch=world["a"]["branch1"])
    many, n = count()
    assert n == 30
    assert many == few
