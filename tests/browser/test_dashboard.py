"""A county organization department in a real browser: opens its dashboard
(党建看板), reads a number, drills down township by township to a branch and
from the branch's number to the list of its members; the large screen shows
the same figures."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import OrgKind, OrgLevel, Role
from dashboards import rollups
from education import services as education_services
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

from .test_mobility import open_page

pytestmark = pytest.mark.django_db(transaction=True)

YEAR = timezone.localdate().year
SCREENSHOT = django_settings.BASE_DIR / "test-artifacts" / "dashboard-journey.png"


@pytest.fixture
def world():
    root = OrganizationFactory(name="中央", kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("乙", parent=root)
    members = {a["branch1"]: 4, a["branch2"]: 2}
    for branch, count in members.items():
        for _ in range(count):
            MemberFactory(branch=branch, full=True)
    staff = UserFactory(username="county_staff")
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=a["county"])
    secretary = UserFactory(username="branch_secretary")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    # The secretary's meeting of this year, with everyone present.
    activity = education_services.activity_create(
        actor=secretary,
        organization=a["branch1"],
        kind="branch_assembly",
        title="支部党员大会",
        starts_at=timezone.make_aware(datetime.datetime(YEAR, 1, 8, 9, 0)),
        hours=Decimal("2"),
    )
    education_services.attendance_save(actor=secretary, activity=activity)
    rollups.reconcile(a["province"].pk, YEAR)
    return a


def test_a_county_opens_its_dashboard_and_drills_down_to_a_branch(browser, live_server, world):
    a = world
    context, page = open_page(browser, live_server, "county_staff")
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_server.url}/dashboards/")
    # One organisation in reach: straight to the county's dashboard.
    expect(page).to_have_url(f"{live_server.url}/dashboards/org/{a['county'].pk}/")
    members = page.locator('[data-test="card"][data-metric="members"] [data-test="value"]')
    expect(members).to_have_text("6")
    expect(page.locator("#chart-months canvas")).to_have_count(1)  # ECharts drew the trend

    page.locator('[data-test="drill"]', has_text=a["township"].name).click()
    expect(page).to_have_url(f"{live_server.url}/dashboards/org/{a['township'].pk}/?year={YEAR}")
    page.locator('[data-test="drill"]', has_text=a["branch1"].name).click()
    expect(page.locator("h1")).to_contain_text(a["branch1"].name)
    expect(members).to_have_text("4")
    # The activity of January is in the branch's monthly figures.
    months = page.evaluate(
        "JSON.parse(document.getElementById('dashboard-data').textContent).months"
    )
    assert months[0]["activities"] == 1 and months[0]["attendance_rate"] == 100
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # The number opens the records behind it: the branch's members.
    members.locator("a").click()
    expect(page.locator("main table tbody tr")).to_have_count(4)

    # Nothing was blocked by the Content-Security-Policy (charts, scripts).
    assert not [text for text in console if "Content Security Policy" in text]

    # Out of reach: the province's dashboard is not found.
    assert page.goto(f"{live_server.url}/dashboards/org/{a['province'].pk}/").status == 404
    context.close()
