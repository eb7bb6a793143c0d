"""Dashboard pages: the numbers of the roll-ups, drill-down, scoping (404),
constant query counts, bad input, the large screen without inline script."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from branches.models import OrgKind, OrgLevel
from dashboards import rollups
from dashboards.models import Rollup
from tests.factories import MemberFactory, OrganizationFactory

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def page(org, name="dashboards:org"):
    return reverse(name, args=[org.pk])


def card(html: str, key: str) -> str:
    match = re.search(rf'data-metric="{key}".*?</div>\s*</div>\s*</div>', html, re.S)
    assert match, key
    return match.group(0)


def value_of(html: str, key: str) -> str:
    text = re.search(r'data-test="value">(.*?)</div>', card(html, key), re.S).group(1)
    return re.sub(r"<[^>]+>", "", text).strip()


def test_dashboard_shows_the_numbers_of_the_rollups(client, world):
    a = world["a"]
    client.force_login(world["u"]["province"])
    response = client.get(page(a["province"]), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    board = response.context["board"]
    assert board.value("members") == 5  # 3 + 1 in the county, 1 in the second county
    assert value_of(html, "members") == "5"
    assert value_of(html, "members_probationary") == "1"
    assert value_of(html, "members_full") == "4"
    # Each card links to the records behind its number.
    assert f'href="{reverse("members:list")}?branch={a["province"].pk}"' in card(html, "members")
    # Freshness, once at the top and on the cards.
    assert board.computed_at is not None
    freshness = re.search(r'data-test="freshness">(.*?)</p>', html, re.S).group(1)
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", freshness)
    assert 'title="' in card(html, "members")
    assert board.reconciled_at is not None
    assert "上次全面核对于" in freshness  # the last full recount, in the zh-hans interface


def test_children_table_links_each_child_and_each_number(client, world):
    a = world["a"]
    client.force_login(world["u"]["province"])
    html = client.get(page(a["city"]), {"year": YEAR}).content.decode()
    rows = re.findall(r'<tr data-test="child" data-org="(\d+)">(.*?)</tr>', html, re.S)
    assert [int(pk) for pk, _ in rows] == sorted([a["county"].pk, world["county2"].pk])
    county_row = dict(rows)[str(a["county"].pk)]
    assert f'href="{page(a["county"])}?year={YEAR}"' in county_row
    members_url = f"{reverse('members:list')}?branch={a['county'].pk}"
    assert f'href="{members_url}">4</a>' in county_row
    # Drill down to the branch, one level at a time.
    for parent, child in [
        (a["province"], a["city"]),
        (a["county"], a["township"]),
        (a["township"], a["branch1"]),
    ]:
        html = client.get(page(parent), {"year": YEAR}).content.decode()
        assert f'href="{page(child)}?year={YEAR}" data-test="drill"' in html
    branch = client.get(page(a["branch1"]), {"year": YEAR})
    assert branch.status_code == 200
    assert 'data-test="children"' not in branch.content.decode()
    # Breadcrumb back up to the province.
    assert f'href="{page(a["province"])}?year={YEAR}"' in branch.content.decode()


def test_a_worse_change_is_marked(client, world):
    a = world["a"]
    Rollup.objects.filter(organization=a["province"], year=YEAR - 1, month=0).update(
        total={"members": 9, "cases_overdue": 0}
    )
    client.force_login(world["u"]["province"])
    html = client.get(page(a["province"]), {"year": YEAR}).content.decode()
    members = card(html, "members")
    assert "9" in members and "▼ 4" in members and 'data-worse="1"' in members
    assert "text-danger" in members


SCOPE_CASES = [
    ("county", "county", 200),
    ("county", "township", 200),
    ("county", "county2", 404),  # another county
    ("county", "city", 404),  # above the role
    ("county", "province", 404),
    ("county", "b_province", 404),  # another province
    ("secretary", "branch1", 200),
    ("secretary", "branch2", 404),
    ("secretary", "township", 404),
    ("member", "branch1", 404),  # a member sees no dashboard
    ("other_county", "county2", 200),
]


@pytest.mark.parametrize("name", ["dashboards:org", "dashboards:screen"])
def test_dashboards_only_for_roles_reaching_the_whole_subtree(client, world, name):
    orgs = {**world["a"], "county2": world["county2"], "b_province": world["b"]["province"]}
    got = []
    for who, org, _status in SCOPE_CASES:
        client.force_login(world["u"][who])
        got.append((who, org, client.get(page(orgs[org], name)).status_code))
    assert got == SCOPE_CASES


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(page(world["a"]["province"]))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def add_township(county, branches: int):
    township = OrganizationFactory(
        parent=county, kind=OrgKind.GRASSROOTS_COMMITTEE, level=OrgLevel.TOWNSHIP
    )
    for _ in range(branches):
        MemberFactory(branch=OrganizationFactory(parent=township))
    return township


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"year": YEAR, "sort": "members", "dir": "desc"}).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["dashboards:org", "dashboards:screen"])
def test_query_count_does_not_grow_with_children(client, world, name):
    small = add_township(world["county2"], 2)
    large = add_township(world["county2"], 10)
    rollups.reconcile(world["a"]["province"].pk, YEAR)
    client.force_login(world["u"]["province"])
    few = queries(client, page(small, name))
    many = queries(client, page(large, name))
    assert few == many
    assert many <= 12


def test_invalid_year_falls_back_to_this_year(client, world):
    client.force_login(world["u"]["province"])
    # Not a number, or a year whose roll-ups are not kept.
    for year in ["abc", "1800", "99999", "", "2026.5", "-1", str(YEAR - 5), str(YEAR + 1)]:
        for name in ("dashboards:org", "dashboards:screen"):
            response = client.get(page(world["a"]["city"], name), {"year": year})
            assert response.status_code == 200, (year, name)
            assert response.context["year"] == YEAR


def test_last_year_is_shown_when_asked(client, world):
    client.force_login(world["u"]["province"])
    response = client.get(page(world["a"]["city"]), {"year": YEAR - 1})
    assert response.context["year"] == YEAR - 1
    assert f'<option value="{YEAR - 1}" selected>' in response.content.decode()


def child_order(client, org, **params) -> list[int]:
    response = client.get(page(org), {"year": YEAR, **params})
    assert response.status_code == 200
    return [row["row"].organization.pk for row in response.context["rows"]]


def test_children_sort_server_side_and_bad_keys_are_ignored(client, world):
    city = world["a"]["city"]
    county, county2 = world["a"]["county"], world["county2"]
    client.force_login(world["u"]["province"])
    default = child_order(client, city)
    assert child_order(client, city, sort="members", dir="desc") == [county.pk, county2.pk]
    assert child_order(client, city, sort="members", dir="asc") == [county2.pk, county.pk]
    assert child_order(client, city, sort="members") == [county2.pk, county.pk]
    assert child_order(client, city, sort="name", dir="desc") == sorted(
        [county.pk, county2.pk],
        key=lambda pk: {county.pk: county.name, county2.pk: county2.name}[pk],
        reverse=True,
    )
    for bad in ({"sort": "password"}, {"sort": "__class__", "dir": "sideways"}, {"dir": "desc"}):
        assert child_order(client, city, **bad) == default
    html = client.get(page(city), {"year": YEAR, "sort": "members", "dir": "desc"}).content.decode()
    # The current column's header turns the order round.
    assert f"?year={YEAR}&amp;sort=members&amp;dir=asc" in html
    assert 'aria-sort="descending"' in html


def test_home_redirects_to_the_highest_organisation(client, world):
    client.force_login(world["u"]["county"])
    response = client.get(reverse("dashboards:home"))
    assert response.status_code == 302
    assert response["Location"] == page(world["a"]["county"])


def test_home_lists_several_organisations(client, world):
    client.force_login(world["u"]["two_counties"])
    response = client.get(reverse("dashboards:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{page(world["a"]["county"])}"' in html
    assert f'href="{page(world["county2"])}"' in html


def test_home_is_friendly_without_any_dashboard(client, world):
    client.force_login(world["u"]["member"])
    response = client.get(reverse("dashboards:home"))
    assert response.status_code == 200
    assert 'data-test="no-dashboard"' in response.content.decode()


def inline_scripts(html: str) -> list[str]:
    """<script> tags that carry code in the page: neither src= nor JSON data."""
    return [
        tag
        for tag in re.findall(r"<script\b[^>]*>", html, re.I)
        if "src=" not in tag and 'type="application/json"' not in tag
    ]


def test_pages_have_no_inline_script_or_handler(client, world):
    client.force_login(world["u"]["province"])
    for name in ("dashboards:org", "dashboards:screen"):
        html = client.get(page(world["a"]["city"], name), {"year": YEAR}).content.decode()
        assert not inline_scripts(html), name
        assert not re.search(r"\son[a-z]+=", html), name
        assert "vendor/echarts-5.6.0/echarts.min.js" in html
        assert "js/dashboards.js" in html
        assert 'id="dashboard-data" type="application/json"' in html


def test_screen_shows_big_numbers_and_the_api_without_site_navigation(client, world):
    city = world["a"]["city"]
    client.force_login(world["u"]["province"])
    dashboard = client.get(page(city), {"year": YEAR}).content.decode()
    assert f'href="{page(city, "dashboards:screen")}?year={YEAR}"' in dashboard
    response = client.get(page(city, "dashboards:screen"), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert "navbar" not in html
    assert re.search(r'data-key="members" data-test="value">5<', html)
    assert f'data-api-url="{reverse("v1:dashboard-detail", args=[city.pk])}?year={YEAR}"' in html
    top = re.search(r'data-test="top">(.*?)</tbody>', html, re.S).group(1)
    assert top.index(world["a"]["county"].name) < top.index(world["county2"].name)


def test_reports_link_only_when_the_reports_page_exists(client, world):
    org = world["a"]["county"]
    client.force_login(world["u"]["county"])
    html = client.get(page(org)).content.decode()
    try:
        url = reverse("reports:org", args=[org.pk])
    except NoReverseMatch:
        assert 'data-test="reports-link"' not in html
    else:
        assert f'href="{url}?year={YEAR}" data-test="reports-link"' in html
