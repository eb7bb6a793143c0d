"""Rectification orders and the generic figure records as .xlsx: the same
filtered, scoped rows as the page (every page), recorded, 404 outside reach."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accountability import views
from branches.models import ExportRecord
from tests.accountability.test_views import make

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def test_issued_orders_export_every_page_of_the_filter(client, world, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    a = world["a"]
    late = [make(world, a["branch1"], days_ago=40) for _ in range(3)]
    make(world, a["branch2"])  # not overdue: filtered out
    make(world, world["branch3"], issuer=world["county2"], actor="other_county")  # elsewhere
    client.force_login(world["u"]["county"])
    url = reverse("accountability:issued", args=[a["county"].pk])
    page = client.get(url, {"overdue": "on"})
    assert page.context["page"].paginator.num_pages == 2
    assert b"format=xlsx" in page.content

    rows = rows_of(client.get(url, {"overdue": "on", "format": "xlsx", "page": "2"}))
    assert [r[0] for r in rows[1:]] == [o.pk for o in late]
    assert {r[1] for r in rows[1:]} == {a["branch1"].name}
    assert {r[9] for r in rows[1:]} == {"是"}  # overdue
    record = ExportRecord.objects.get()
    assert (record.what, record.row_count, record.organization) == (
        "accountability.rectifications.issued",
        3,
        a["county"],
    )


def test_received_orders_export_only_what_the_user_may_see(client, world):
    a = world["a"]
    own = make(world, a["branch1"])
    make(world, a["branch2"])
    client.force_login(world["u"]["secretary"])
    rows = rows_of(
        client.get(reverse("accountability:received", args=[a["branch1"].pk]), {"format": "xlsx"})
    )
    assert [r[0] for r in rows[1:]] == [own.pk]
    # Another county's or province's staff: 404, nothing exported.
    for user in ("other_county", "other_province"):
        client.force_login(world["u"][user])
        for name in ("issued", "received"):
            url = reverse(f"accountability:{name}", args=[a["county"].pk])
            assert client.get(url, {"format": "xlsx"}).status_code == 404
    assert ExportRecord.objects.count() == 1


def test_order_export_queries_do_not_grow_with_the_rows(client, world):
    a = world["a"]
    client.force_login(world["u"]["county"])
    url = reverse("accountability:issued", args=[a["county"].pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            rows = rows_of(client.get(url, {"format": "xlsx"}))
        return len(queries), len(rows) - 1

    for _ in range(3):
        make(world, a["branch1"])
    few, n = count()
    assert n == 3
    for i in range(27):
        make(world, a["branch2"] if i % 2 else a["township"])
    many, n = count()
    assert (many, n) == (few, 30)


def test_figure_records_export_all_records_the_user_may_see(client, world):
    a = world["a"]
    orders = [make(world, a["branch1"]) for _ in range(3)]
    make(world, world["b"]["branch1"], issuer=world["b"]["county"], actor="other_province")
    client.force_login(world["u"]["county"])
    url = reverse("figures:records", args=[a["county"].pk])
    params = {"figure": "rectifications_issued", "year": TODAY.year}
    page = client.get(url, params)
    assert page.status_code == 200 and b"format=xlsx" in page.content
    rows = rows_of(client.get(url, {**params, "format": "xlsx"}))
    assert len(rows) == 1 + len(orders)
    assert {r[1] for r in rows[1:]} == {a["branch1"].name}
    assert isinstance(rows[1][0], datetime.datetime)  # a date cell, not text
    record = ExportRecord.objects.get()
    assert (record.what, record.row_count) == ("figures.rectifications_issued", 3)
    client.force_login(world["u"]["other_province"])
    assert client.get(url, {**params, "format": "xlsx"}).status_code == 404
    assert ExportRecord.objects.count() == 1


def test_weak_units_export(client, world):
    from tests.accountability.test_weak_units import identify

    a = world["a"]
    unit = identify(world)
    identify(world, org=a["branch2"], year=TODAY.year - 1)
    client.force_login(world["u"]["county"])
    url = reverse("accountability:weak_units", args=[a["county"].pk])
    assert b"format=xlsx" in client.get(url).content
    rows = rows_of(client.get(url, {"year": TODAY.year, "format": "xlsx"}))
    assert [r[1] for r in rows[1:]] == [a["branch1"].name]
    assert rows[1][4] == unit.problems
    assert ExportRecord.objects.get().what == "accountability.weak_units"
    client.force_login(world["u"]["other_province"])
    assert client.get(url, {"format": "xlsx"}).status_code == 404
