import pytest
from playwright.sync_api import expect

from branches.models import OrgKind, OrgLevel, Role
from tests.factories import (
    TEST_PASSWORD,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def county_staff():
    root = OrganizationFactory(name="中央", kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    province_tree("乙", parent=root)
    user = UserFactory(username="county")
    RoleAssignmentFactory(user=user, role=Role.ORG_STAFF, organization=a["county"])
    return user


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("欢迎")


def test_county_staff_expands_the_tree_lazily(page, live_server, county_staff):
    log_in(page, live_server, "county")
    page.click("text=党组织")
    expect(page.locator("h1")).to_have_text("组织树")
    expect(page.locator("#org-tree")).to_contain_text("甲县")
    expect(page.locator("#org-tree")).not_to_contain_text("甲支部1")

    page.locator(".org-node", has_text="甲县").locator(".org-toggle").first.click()
    expect(page.locator("#org-tree")).to_contain_text("甲镇")
    page.locator(".org-node", has_text="甲镇").locator(".org-toggle").last.click()
    expect(page.locator("#org-tree")).to_contain_text("甲支部1")
    expect(page.locator("#org-tree")).to_contain_text("甲支部2")
    expect(page.locator("body")).not_to_contain_text("乙")

    page.click("text=甲支部2")
    expect(page.locator("h1")).to_contain_text("甲支部2")
    expect(page.locator(".breadcrumb")).to_contain_text("甲镇")


def test_tree_fits_a_phone_screen(page, live_server, county_staff):
    page.set_viewport_size({"width": 375, "height": 740})
    log_in(page, live_server, "county")
    page.goto(f"{live_server.url}/orgs/")
    page.locator(".org-node", has_text="甲县").locator(".org-toggle").first.click()
    expect(page.locator("#org-tree")).to_contain_text("甲镇")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    expect(page.locator(".navbar-toggler")).to_be_visible()
