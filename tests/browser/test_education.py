"""A secretary records 三会一课 in a real browser; the member reads the total
against the right requirement on a phone."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import OrgKind, OrgLevel, Role, Sector
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

from .test_tree import log_in

SCREENSHOT = django_settings.BASE_DIR / "test-artifacts" / "member-hours-journey.png"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def branch_of_40():
    root = OrganizationFactory(name="中央", kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    branch = province_tree("甲", parent=root)["branch1"]
    secretary = UserFactory(username="secretary")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=branch)
    members = [MemberFactory(branch=branch, employer_sector=Sector.RURAL) for _ in range(39)]
    me = UserFactory(username="member")
    mine = MemberFactory(branch=branch, employer_sector=Sector.RURAL, user=me, name="王晓梅")
    RoleAssignmentFactory(user=me, role=Role.MEMBER, organization=branch)
    return {"branch": branch, "members": members, "mine": mine}


def record(page, live_server, branch, kind, title, day, hours, exceptions=(), lecturer=""):
    page.goto(f"{live_server.url}/orgs/{branch.pk}/")
    page.get_by_role("link", name="教育活动").first.click()
    page.get_by_role("link", name="登记活动").click()
    page.select_option("#id_kind", label=kind)
    page.fill("#id_title", title)
    page.fill("#id_starts_at", f"{day:%Y-%m-%d}T19:00")
    page.fill("#id_hours", hours)
    if lecturer:
        page.fill("#id_lecturer", lecturer)
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_contain_text(title)
    for member, status, reason in exceptions:
        page.select_option(f"#status-{member.pk}", label=status)
        if reason:
            page.fill(f"#reason-{member.pk}", reason)
    page.get_by_role("button", name="保存参加情况").click()
    expect(page.locator(".alert-success")).to_be_visible()


def test_a_month_of_meetings_and_the_members_total(page, live_server, branch_of_40, browser):
    branch, others, mine = branch_of_40["branch"], branch_of_40["members"], branch_of_40["mine"]
    today = timezone.localdate()

    def day(ago):  # within this year, never in the future
        return max(today - datetime.timedelta(days=ago), datetime.date(today.year, 1, 1))

    log_in(page, live_server, "secretary")
    record(page, live_server, branch, "支部党员大会", "传达学习全会精神", day(21), "2")
    record(
        page,
        live_server,
        branch,
        "党小组会",
        "学习党章第一章",
        day(14),
        "1.5",
        exceptions=[(mine, "请假", "陪护住院的母亲"), (others[0], "无故缺席", "")],
    )
    record(page, live_server, branch, "党课", "书记讲党课", day(7), "3", lecturer="支部书记")

    page.goto(f"{live_server.url}/education/branch/{branch.pk}/compliance/")
    expect(page.locator("tbody tr")).to_have_count(40)

    # The member, on a phone: 2 + 3 hours of a 6-day (48-hour) requirement.
    context = browser.new_context(viewport={"width": 375, "height": 740})
    phone = context.new_page()
    log_in(phone, live_server, "member")
    phone.locator(".navbar-toggler").click()  # the menu folds on a phone
    phone.get_by_role("link", name="我的学时").click()
    expect(phone.locator(".display-6")).to_contain_text("5.0 / 48")
    expect(phone.locator("body")).to_contain_text("43.0")
    expect(phone.locator("body")).to_contain_text("学习党章第一章")  # excused, shown, 0 hours
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    SCREENSHOT.parent.mkdir(exist_ok=True)
    phone.screenshot(path=str(SCREENSHOT), full_page=True)
    context.close()
