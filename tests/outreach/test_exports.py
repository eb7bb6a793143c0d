"""Outreach lists as .xlsx: commitments (new), and the audit record of the
volunteering, cases and research exports."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import ExportRecord
from outreach import services_commitments as services
from tests.factories import MemberFactory

from .walk_commitments import commitments_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
END = datetime.date(YEAR, 12, 31)


@pytest.fixture
def w():
    return commitments_world()


def approved(w, member, content="为群众办实事"):
    c = services.commitment_create(
        actor=w["secretary"], member=member, content=content, target_date=END, submit=True
    )
    return services.commitment_approve(actor=w["secretary"], commitment=c)


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def test_commitments_export_the_branchs_year(client, w):
    approved(w, w["member"], content="=1+1")
    c = approved(w, w["others"][0], content="楼道清理")
    services.evaluation_add(commitment=c, rating="satisfied", visitor="v1")
    last_year = services.commitment_create(
        actor=w["secretary"],
        member=w["others"][1],
        content="去年的",
        target_date=datetime.date(YEAR - 1, 12, 31),
        submit=True,
    )
    client.force_login(w["secretary"])
    url = reverse("outreach:commitments", args=[w["a"]["branch1"].pk])
    assert b"format=xlsx" in client.get(url).content
    rows = rows_of(client.get(url, {"year": YEAR, "format": "xlsx"}))
    by_content = {r[1]: r for r in rows[1:]}
    assert set(by_content) == {"=1+1", "楼道清理"}
    assert last_year.content not in by_content
    assert by_content["楼道清理"][0] == w["others"][0].name
    assert by_content["楼道清理"][6] == 1  # satisfied evaluations, a number
    record = ExportRecord.objects.get()
    assert (record.what, record.row_count, record.organization) == (
        "outreach.commitments",
        2,
        w["a"]["branch1"],
    )
    client.force_login(w["other"])
    assert client.get(url, {"format": "xlsx"}).status_code == 404
    assert ExportRecord.objects.count() == 1


def test_commitments_export_queries_do_not_grow(client, w):
    client.force_login(w["secretary"])
    url = reverse("outreach:commitments", args=[w["a"]["branch1"].pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            rows = rows_of(client.get(url, {"format": "xlsx"}))
        return len(queries), len(rows) - 1

    for m in [w["member"], *w["others"]][:3]:
        approved(w, m)
    few, n = count()
    for i in range(27):
        approved(w, MemberFactory(branch=w["a"]["branch1"], name=f"周{i}"))
    many, m = count()
    assert (n, m) == (3, 30)
    assert many == few
