"""Bad list filters give an empty list (not a 500); a note that
does not pass the form stops the step instead of being dropped."""

import pytest
from django.urls import reverse

from accountability.written_reports import services

from .conftest import start

pytestmark = pytest.mark.django_db

API = "/api/v1/written-reports/"


@pytest.mark.parametrize("param", ["organization", "recipient"])
def test_a_non_ascii_digit_filter_gives_an_empty_list(client, world, param):
    start(world)
    client.force_login(world["u"]["county"])
    assert client.get(API).json()["count"] == 1
    response = client.get(API, {param: "²"})  # str.isdigit() is True, int() fails
    assert response.status_code == 200 and response.json()["count"] == 0


def test_a_too_long_note_neither_accepts_nor_loses_the_note(client, world):
    u = world["u"]
    report = start(world)
    services.report_submit(actor=u["county"], report=report)
    client.force_login(u["city"])
    url = reverse("written_reports:step", args=[report.pk, "accept"])
    response = client.post(url, {"note": "很" * 2001}, follow=True)
    report.refresh_from_db()
    assert report.status == "submitted" and report.accepted_by is None
    assert any("2000" in str(m) for m in response.context["messages"])
    client.post(url, {"note": "同意"})
    report.refresh_from_db()
    assert report.status == "accepted" and report.accept_note == "同意"
