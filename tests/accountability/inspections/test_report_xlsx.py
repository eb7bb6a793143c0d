"""Text in the spot-check workbook is never a formula."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accountability.inspections import services

from .conftest import define

pytestmark = pytest.mark.django_db


def test_xlsx_text_starting_with_equals_is_not_a_formula(client, spot):
    title = '=HYPERLINK("http://example.com/x","点击")'
    check = define(spot, title=title, branch_sample=3)
    services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=7)
    branch = check.units.first().branch
    branch.name = "=1+1"
    branch.save()
    client.force_login(spot["u"]["staff"])
    response = client.get(reverse("inspections:report_xlsx", args=[check.pk]))
    book = load_workbook(io.BytesIO(response.content))
    summary, units = book.worksheets
    assert summary["A1"].value == title and summary["A1"].data_type == "s"
    cells = [c for row in units.iter_rows(min_row=2) for c in row if c.value == "=1+1"]
    assert cells and all(c.data_type == "s" for c in cells)
