"""GET /api/v1/dashboards/<org id>/: the roll-up figures of a subtree, 404
outside the roles' whole-subtree reach, a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import metrics, rollups

from .conftest import YEAR
from .test_views import SCOPE_CASES, add_township

pytestmark = pytest.mark.django_db


def api(org) -> str:
    return reverse("v1:dashboard-detail", args=[org.pk])


def test_dashboard_of_a_subtree(client, world):
    a = world["a"]
    client.force_login(world["u"]["province"])
    response = client.get(api(a["city"]), {"year": YEAR})
    assert response.status_code == 200
    body = response.json()
    assert body["organization"]["id"] == a["city"].pk
    assert body["year"] == YEAR
    assert body["totals"]["members"] == 5
    assert body["totals"]["members_probationary"] == 1
    assert body["previous_totals"]["members"] == 5
    by_key = {m["key"]: m for m in body["metrics"]}
    assert set(by_key) == set(metrics.METRICS)
    members = by_key["members"]
    assert members["value"] == 5 and members["previous"] == 5 and members["delta"] == 0
    assert members["url"] == f"{reverse('members:list')}?branch={a['city'].pk}"
    assert members["label"] and members["group"]
    assert isinstance(by_key["education_rate"]["value"], int | float)
    assert by_key["education_rate"]["rate"] is True
    assert by_key["cases_overdue"]["lower_is_better"] is True
    children = {row["organization"]["id"]: row for row in body["children"]}
    assert set(children) == {a["county"].pk, world["county2"].pk}
    assert children[a["county"].pk]["values"]["members"] == 4
    assert children[a["county"].pk]["dashboard"] == api(a["county"])
    assert set(children[a["county"].pk]["values"]) == set(body["table_metrics"])
    assert [m["month"] for m in body["months"]] == list(range(1, 13))
    assert body["computed_at"] and body["reconciled_at"]


def test_out_of_reach_is_404(client, world):
    orgs = {**world["a"], "county2": world["county2"], "b_province": world["b"]["province"]}
    got = []
    for who, org, _status in SCOPE_CASES:
        client.force_login(world["u"][who])
        got.append((who, org, client.get(api(orgs[org])).status_code))
    assert got == SCOPE_CASES


def test_anonymous_gets_401(client, world):
    assert client.get(api(world["a"]["province"])).status_code == 401


def test_bad_year_is_refused_with_its_name(client, world):
    client.force_login(world["u"]["province"])
    for year in ("abc", "1800", str(YEAR - 5)):
        response = client.get(api(world["a"]["city"]), {"year": year})
        assert response.status_code == 400
        assert "year" in response.json()
    assert client.get(api(world["a"]["city"])).json()["year"] == YEAR


def test_read_only(client, world):
    client.force_login(world["u"]["province"])
    assert client.post(api(world["a"]["city"]), {}).status_code == 405
    assert client.get("/api/v1/dashboards/").status_code == 404


def test_query_count_does_not_grow_with_children(client, world):
    small = add_township(world["county2"], 2)
    large = add_township(world["county2"], 10)
    rollups.reconcile(world["a"]["province"].pk, YEAR)
    client.force_login(world["u"]["province"])
    counts = []
    for org in (small, large):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(api(org), {"year": YEAR})
        assert response.status_code == 200
        counts.append(len(captured))
    assert len(response.json()["children"]) == 10
    assert counts[0] == counts[1] <= 10
