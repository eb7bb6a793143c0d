"""The member lists besides the main list as .xlsx: conversions due and dues
arrears, each with every row the user may see (the pages show at most 500)."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import ExportRecord, Role
from tests.factories import ActorFactory, MemberFactory, RoleAssignmentFactory, province_tree

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return list(workbook.active.iter_rows(values_only=True))


@pytest.fixture
def world():
    return {"a": province_tree("甲"), "b": province_tree("乙")}


def test_conversions_due_and_arrears_export_only_visible_members(client, world):
    soon = timezone.localdate() + datetime.timedelta(days=10)
    due = MemberFactory(branch=world["a"]["branch1"], name="甲预备", conversion_due=soon)
    MemberFactory(branch=world["a"]["branch2"], name="别支部", conversion_due=soon)
    MemberFactory(branch=world["b"]["branch1"], name="乙预备", conversion_due=soon)
    user = ActorFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=world["a"]["branch1"])
    client.force_login(user)

    page = client.get(reverse("members:conversions"))
    assert b"format=xlsx" in page.content
    rows = rows_of(client.get(reverse("members:conversions"), {"format": "xlsx"}))
    assert [r[0] for r in rows[1:]] == [due.name]
    assert rows[1][3] == datetime.datetime.combine(soon, datetime.time())

    rows = rows_of(client.get(reverse("members:arrears"), {"format": "xlsx"}))
    assert [r[0] for r in rows[1:]] == [due.name]  # no dues recorded: in arrears
    assert [(r.what, r.row_count) for r in ExportRecord.objects.order_by("pk")] == [
        ("members.conversions", 1),
        ("members.arrears", 1),
    ]
