"""/api/v1/year-end-reports/: scoped list, create = request a generation,
retrieve with status and progress; 404 outside the whole subtree."""

import pytest
from rest_framework.test import APIClient

from reports import services, tasks
from reports.models import YearEndReport

from .conftest import YEAR

pytestmark = pytest.mark.django_db

URL = "/api/v1/year-end-reports/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def reports(world, queued):
    a, b = world["a"], world["b"]
    from tests.reports.conftest import user_with

    b_staff = user_with("org_staff", b["province"])
    return {
        "county": services.year_end_report_request(
            actor=world["staff"], organization=a["county"], year=YEAR
        ),
        "other": services.year_end_report_request(
            actor=b_staff, organization=b["county"], year=YEAR
        ),
    }


def test_create_queues_a_generation_and_retrieve_shows_the_progress(
    world, queued, django_capture_on_commit_callbacks
):
    client = api(world["staff"])
    county = world["a"]["county"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"organization": county.pk, "year": YEAR}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["progress"], body["generation"]) == ("queued", 0, 1)
    assert queued == [(body["id"], 1)]

    tasks.build_year_end_report(body["id"], 1)
    done = client.get(f"{URL}{body['id']}/").json()
    assert (done["status"], done["progress"], done["step"]) == ("done", 100, "store")
    assert done["pdf_url"].endswith(f"/reports/{body['id']}/pdf/")

    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(URL, {"organization": county.pk, "year": YEAR}, format="json").json()
    assert again["id"] == body["id"] and again["generation"] == 2
    assert again["pdf_url"] is None
    assert YearEndReport.objects.count() == 1


def test_a_bad_year_is_a_400_naming_the_field(world, queued):
    response = api(world["staff"]).post(
        URL, {"organization": world["a"]["county"].pk, "year": 1990}, format="json"
    )
    assert response.status_code == 400 and "year" in response.json()
    assert not YearEndReport.objects.exists() and queued == []


def test_the_list_holds_only_reports_of_reachable_subtrees(world, reports):
    ids = [r["id"] for r in api(world["inspector"]).get(URL).json()["results"]]
    assert ids == [reports["county"].pk]
    assert api(world["other_county"]).get(URL).json()["results"] == []
    assert api(world["member"]).get(URL).json()["results"] == []


@pytest.mark.parametrize("who", ["other_county", "other_province", "branch_secretary", "member"])
def test_retrieve_and_create_are_404_outside_the_whole_subtree(world, reports, queued, who):
    client = api(world[who])
    report = reports["county"]
    assert client.get(f"{URL}{report.pk}/").status_code == 404
    before = list(queued)
    response = client.post(
        URL, {"organization": report.organization_id, "year": YEAR}, format="json"
    )
    assert response.status_code == 404
    assert queued == before
    report.refresh_from_db()
    assert report.generation == 1
