"""Members away who lost contact as .xlsx: the page's rows, recorded, 404 outside."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from branches.models import ExportRecord
from tests.factories import province_tree
from tests.mobility.test_lost_contact import make_episode, secretary

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def test_lost_contact_export(client):
    a, b = province_tree("甲"), province_tree("乙")
    since = datetime.date(2026, 5, 1)
    lost = [make_episode(a["branch1"], 200, lost_contact_since=since) for _ in range(2)]
    make_episode(a["branch1"], 10)  # in contact
    make_episode(b["branch1"], 200, lost_contact_since=since)  # another province
    user = secretary(a["branch1"])
    client.force_login(user)
    url = reverse("mobility:lost_contact", args=[a["branch1"].pk])
    assert b"format=xlsx" in client.get(url).content
    rows = rows_of(client.get(url, {"format": "xlsx"}))
    assert sorted(r[0] for r in rows[1:]) == sorted(e.member.name for e in lost)
    assert {r[3] for r in rows[1:]} == {"13900000000"}  # a phone stays text
    assert {r[5] for r in rows[1:]} == {"否"}  # not yet criticised
    record = ExportRecord.objects.get()
    assert (record.user, record.what, record.row_count) == (user, "mobility.lost_contact", 2)
    other = reverse("mobility:lost_contact", args=[b["branch1"].pk])
    assert client.get(other, {"format": "xlsx"}).status_code == 404
    assert ExportRecord.objects.count() == 1
