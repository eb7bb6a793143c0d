"""The care API: scoped lists and details, writes through the services."""

import datetime

import pytest
from django.utils import timezone

from outreach.models import CareRecord, Household, Pairing, VolunteerRecord
from tests.outreach.walk_care import care_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
EARLIER = TODAY - datetime.timedelta(days=30)


@pytest.fixture
def world():
    return care_world()


def test_households_pairings_and_visits_through_the_api(client, world):
    client.force_login(world["u"]["secretary"])
    bad = client.post(
        "/api/v1/households/",
        {
            "organization": world["a"]["branch1"].pk,
            "head_name": "何德明",
            "locality": "桥楼村",
            "difficulty": "因病致贫",
            "consent_on": (TODAY + datetime.timedelta(days=3)).isoformat(),
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "consent_on" in bad.json()
    response = client.post(
        "/api/v1/households/",
        {
            "organization": world["a"]["branch1"].pk,
            "head_name": "何德明",
            "locality": "桥楼村",
            "difficulty": "因病致贫",
            "contact": "0817-6220000",
            "consent_on": EARLIER.isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    h = response.json()["id"]
    response = client.post(
        "/api/v1/pairings/",
        {"member": world["aged"].pk, "household": h, "started_on": TODAY.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 400 and "member" in response.json()
    response = client.post(
        "/api/v1/pairings/",
        {"member": world["member"].pk, "household": h, "started_on": TODAY.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 201
    p = response.json()
    assert p["household_name"] == "何德明" and "contact" not in p
    visits = f"/api/v1/pairings/{p['id']}/visits/"
    response = client.post(
        visits, {"on": TODAY.isoformat(), "help_given": "送医"}, content_type="application/json"
    )
    assert response.status_code == 201
    assert len(client.get(visits).json()) == 1
    end = f"/api/v1/pairings/{p['id']}/end/"
    response = client.post(
        end, {"ended_on": TODAY.isoformat(), "end_note": ""}, content_type="application/json"
    )
    assert response.status_code == 400 and "end_note" in response.json()
    response = client.post(
        end, {"ended_on": TODAY.isoformat(), "end_note": "已脱困"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["ended_on"] == TODAY.isoformat()
    response = client.post(
        f"/api/v1/households/{h}/close/",
        {"closed_on": TODAY.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["closed_on"] == TODAY.isoformat()
    # Another province's secretary can neither see nor write.
    client.force_login(world["u"]["other"])
    assert client.get(f"/api/v1/households/{h}/").status_code == 404
    response = client.post(
        "/api/v1/pairings/",
        {"member": world["other_member"].pk, "household": h, "started_on": TODAY.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Pairing.objects.count() == 1 and Household.objects.count() == 1


def test_volunteering_and_care_through_the_api(client, world):
    client.force_login(world["u"]["secretary"])
    data = {
        "organization": world["a"]["branch1"].pk,
        "members": [world["member"].pk, world["able"].pk],
        "kind": "poverty",
        "on": TODAY.isoformat(),
        "hours": "3.5",
        "description": "助农直播",
    }
    response = client.post("/api/v1/volunteering/", data, content_type="application/json")
    assert response.status_code == 201 and len(response.json()) == 2
    response = client.post(
        "/api/v1/volunteering/",
        dict(data, members=[world["member"].pk, world["other_member"].pk]),
        content_type="application/json",
    )
    assert response.status_code == 404
    response = client.post(
        "/api/v1/volunteering/", dict(data, hours="0"), content_type="application/json"
    )
    assert response.status_code == 400 and "hours" in response.json()
    assert VolunteerRecord.objects.count() == 2
    rows = client.get("/api/v1/volunteering/", {"year": TODAY.year}).json()["results"]
    assert len(rows) == 2
    # The member's own entry, without members.
    client.force_login(world["u"]["member"])
    response = client.post(
        "/api/v1/volunteering/",
        {"kind": "environment", "on": TODAY.isoformat(), "hours": "1", "description": "巡河"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert {r["member"] for r in client.get("/api/v1/volunteering/").json()["results"]} == {
        world["member"].pk
    }
    response = client.post(
        "/api/v1/care-records/",
        {"member": world["poor"].pk, "kind": "visit", "on": TODAY.isoformat(), "support": "慰问"},
        content_type="application/json",
    )
    assert response.status_code in (403, 404)
    client.force_login(world["u"]["secretary"])
    response = client.post(
        "/api/v1/care-records/",
        {"member": world["able"].pk, "kind": "visit", "on": TODAY.isoformat(), "support": "慰问"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "member" in response.json()
    response = client.post(
        "/api/v1/care-records/",
        {"member": world["poor"].pk, "kind": "visit", "on": TODAY.isoformat(), "support": "慰问"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert CareRecord.objects.count() == 1
    client.force_login(world["u"]["other"])
    assert client.get("/api/v1/care-records/").json()["results"] == []
    assert client.get("/api/v1/volunteering/").json()["results"] == []
