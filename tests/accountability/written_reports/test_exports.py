"""The recipient's list of written reports as .xlsx: one row per reporting
organisation with its status and lateness, recorded, 404 outside."""

import io

import openpyxl
import pytest
from django.urls import reverse

from accountability.written_reports import services
from branches.models import ExportRecord

from .conftest import YEAR, start

pytestmark = pytest.mark.django_db


def test_received_reports_export(client, world, clock):
    a, u = world["a"], world["u"]
    services.report_submit(actor=u["city"], report=start(world, world["group"], actor="city"))
    start(world)
    client.force_login(u["city"])
    url = reverse("written_reports:received", args=[a["city"].pk])
    assert b"format=xlsx" in client.get(url, {"year": YEAR}).content
    response = client.get(url, {"year": YEAR, "format": "xlsx"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = {r[0]: r for r in list(workbook.active.iter_rows(values_only=True))[1:]}
    assert rows[a["county"].name][2] == "是"  # late
    assert rows[world["group"].name][2] == "否"
    assert rows[world["group"].name][4] is not None  # submitted at
    record = ExportRecord.objects.get()
    assert (record.what, record.row_count) == ("written_reports.received", len(rows))
    client.force_login(u["other_province"])
    assert client.get(url, {"format": "xlsx"}).status_code == 404
