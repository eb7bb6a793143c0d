"""The spot-check and inspection lists as .xlsx: the rows the page shows,
recorded, 404 for another province."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accountability.inspections import services
from branches.models import ExportRecord

from .conftest import define

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def test_spot_checks_export(client, spot):
    a = spot["a"]
    define(spot, title="=1+1")
    define(spot, title="第二次抽查")
    client.force_login(spot["u"]["staff"])
    url = reverse("inspections:spot_checks", args=[a["province"].pk])
    assert b"format=xlsx" in client.get(url).content
    rows = rows_of(client.get(url, {"format": "xlsx"}))
    assert sorted(r[1] for r in rows[1:]) == sorted(["=1+1", "第二次抽查"])
    assert {r[2] for r in rows[1:]} == {a["province"].name}
    record = ExportRecord.objects.get()
    assert (record.what, record.row_count, record.user) == (
        "inspections.spot_checks",
        2,
        spot["u"]["staff"],
    )
    client.force_login(spot["u"]["staff_b"])
    assert client.get(url, {"format": "xlsx"}).status_code == 404
    # Another province's own list has none of A's checks.
    own = reverse("inspections:spot_checks", args=[spot["b"]["province"].pk])
    assert rows_of(client.get(own, {"format": "xlsx"}))[1:] == []


def test_inspections_export(client, spot):
    a = spot["a"]
    for title in ("巡回检查一", "巡回检查二"):
        services.inspection_create(
            actor=spot["u"]["staff"],
            organizing_org=a["city"],
            kind="circuit",
            title=title,
            period_start=TODAY,
            period_end=TODAY + datetime.timedelta(days=5),
            organizations=[a["branch1"]],
            items=["三会一课落实情况"],
        )
    client.force_login(spot["u"]["staff"])
    url = reverse("inspections:inspections", args=[a["city"].pk])
    assert b"format=xlsx" in client.get(url).content
    rows = rows_of(client.get(url, {"format": "xlsx"}))
    assert sorted(r[0] for r in rows[1:]) == ["巡回检查一", "巡回检查二"]
    assert ExportRecord.objects.get().row_count == 2
    client.force_login(spot["u"]["staff_b"])
    assert client.get(url, {"format": "xlsx"}).status_code == 404
    client.force_login(spot["u"]["secretary"])  # a branch sees no city inspections list
    assert client.get(url, {"format": "xlsx"}).status_code == 404
