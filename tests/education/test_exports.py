"""The branch's education activities as .xlsx: every activity (the page shows
the latest 200), recorded, 404 for another province, constant queries."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import ExportRecord, OrgKind, OrgLevel, Role
from education.models import Activity
from tests.factories import ActorFactory, OrganizationFactory, RoleAssignmentFactory, province_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    return {"a": province_tree("甲", parent=root), "b": province_tree("乙", parent=root)}


def add(branch, count, title="三会一课"):
    author = ActorFactory()
    start = timezone.make_aware(datetime.datetime(2026, 1, 5, 19, 0))
    Activity.objects.bulk_create(
        Activity(
            organization=branch,
            province_id=branch.province_id,
            kind="branch_assembly",
            title=f"{title}{i}",
            starts_at=start + datetime.timedelta(hours=i),
            hours=Decimal("1.5"),
            created_by=author,
        )
        for i in range(count)
    )


def secretary_of(branch):
    user = ActorFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=branch)
    return user


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


def test_the_export_holds_every_activity_of_the_branch(client, world):
    branch = world["a"]["branch1"]
    add(branch, 205)
    add(world["a"]["branch2"], 2, title="别的支部")
    add(world["b"]["branch1"], 2, title="别的省")
    user = secretary_of(branch)
    client.force_login(user)
    url = reverse("education:activities", args=[branch.pk])
    page = client.get(url)
    assert len(page.context["activities"]) == 200
    assert b"format=xlsx" in page.content
    rows = rows_of(client.get(url, {"format": "xlsx"}))
    assert len(rows) == 1 + 205
    assert all(r[2].startswith("三会一课") for r in rows[1:])
    first = rows[1]
    assert isinstance(first[0], datetime.datetime) and first[3] == 1.5
    record = ExportRecord.objects.get()
    assert (record.user, record.organization, record.row_count, record.what) == (
        user,
        branch,
        205,
        "education.activities",
    )


def test_another_province_gets_404(client, world):
    add(world["a"]["branch1"], 1)
    client.force_login(secretary_of(world["b"]["branch1"]))
    url = reverse("education:activities", args=[world["a"]["branch1"].pk])
    assert client.get(url, {"format": "xlsx"}).status_code == 404
    assert not ExportRecord.objects.exists()


def test_export_queries_do_not_grow_with_the_rows(client, world):
    branch = world["a"]["branch1"]
    client.force_login(secretary_of(branch))
    url = reverse("education:activities", args=[branch.pk])

    def count():
        with CaptureQueriesContext(connection) as queries:
            rows = rows_of(client.get(url, {"format": "xlsx"}))
        return len(queries), len(rows) - 1

    add(branch, 3)
    few, n = count()
    add(branch, 27, title="主题党日")
    many, m = count()
    assert (n, m) == (3, 30)
    assert many == few
