"""The provincial random spot-check (document 3, 四; document 4) in a real browser.

Provincial staff define the year's check with an inspector who holds no role,
draw it, and the inspector — on a phone — finds the drawn branch under
"我的抽查任务", records the checklist and a finding. The staff issue the
rectification order, the drawn branch sees it among its orders, and the
report comes out as a PDF naming the check.
"""

import datetime
import subprocess

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import expect

from accountability.inspections.models import SpotCheck, SpotCheckFinding
from branches.models import OrgKind, OrgLevel, Role
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

from .test_mobility import open_page

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
SCREENSHOT = django_settings.BASE_DIR / "test-artifacts" / "spot-check-journey.png"
TITLE = "甲省年度基层党建随机抽查"


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    root = OrganizationFactory(name="中央", kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    for branch in (a["branch1"], a["branch2"]):
        for _ in range(3):
            MemberFactory(branch=branch, full=True)
    users = {}
    for username, role, org in [
        ("staff", Role.ORG_STAFF, a["province"]),
        ("secretary", Role.SECRETARY, a["branch1"]),
        ("sibling", Role.SECRETARY, a["branch2"]),
        ("inspector", None, None),
    ]:
        users[username] = UserFactory(username=username)
        if role:
            RoleAssignmentFactory(user=users[username], role=role, organization=org)
    return {"a": a, "users": users}


def test_a_province_runs_its_spot_check_from_draw_to_report(browser, live_server, world):
    a = world["a"]
    today = timezone.localdate()
    staff_context, staff = open_page(browser, live_server, "staff")

    # Define and draw (both branches: one stratum of two, a sample of one).
    staff.goto(f"{live_server.url}/accountability/inspections/spot-checks/org/{a['province'].pk}/")
    form = staff.locator("main form[method=post]").last
    form.locator('[name="year"]').fill(str(today.year))
    form.locator('[name="title"]').fill(TITLE)
    form.locator('[name="branch_sample"]').fill("1")
    form.locator('[name="members_per_branch"]').fill("2")
    form.locator('[name="period_start"]').fill(today.isoformat())
    form.locator('[name="period_end"]').fill((today + datetime.timedelta(days=30)).isoformat())
    form.locator('[name="inspector_usernames"]').fill("inspector")
    form.locator("button").click()
    expect(staff.locator("h1")).to_contain_text(TITLE)
    check = SpotCheck.objects.get(title=TITLE)
    staff.locator(f'form[action$="/spot-checks/{check.pk}/draw/"] button').click()
    expect(staff.locator(".alert-success")).to_be_visible()
    check.refresh_from_db()
    assert check.status == "drawn" and check.seed is not None
    unit = check.units.get()
    drawn, other = (
        (a["branch1"], a["branch2"])
        if unit.branch == a["branch1"]
        else (a["branch2"], a["branch1"])
    )

    # The inspector, who holds no role, reaches exactly the drawn branch.
    inspector_context, inspector = open_page(browser, live_server, "inspector", PHONE)
    inspector.locator(".navbar-toggler").click()  # the menu folds on a phone
    inspector.get_by_role("link", name="我的抽查任务").click()
    inspector.get_by_role("link", name=drawn.name).click()
    expect(inspector.locator("h1")).to_have_text(drawn.name)
    checklist = inspector.locator('main form:has([name="result_dues"])')
    checklist.locator('[name="result_education"]').select_option("compliant")
    checklist.locator('[name="result_dues"]').select_option("noncompliant")
    checklist.locator('[name="note_dues"]').fill("两名党员连续三个月未交纳党费")
    checklist.locator("button").click()
    expect(inspector.locator(".alert-success")).to_be_visible()
    finding = inspector.locator('main form:has([name="problem"])')
    finding.locator('[name="problem"]').fill("党费收缴台账与党员名册不一致")
    finding.locator('[name="required"]').fill("核对台账，谈话提醒，补交后报送")
    finding.locator('[name="severity"]').select_option("serious")
    finding.locator('[name="deadline"]').fill((today + datetime.timedelta(days=30)).isoformat())
    finding.locator("button").click()
    expect(inspector.locator('[data-test="findings"]')).to_contain_text("党费收缴台账")
    assert inspector.goto(f"{live_server.url}/orgs/{other.pk}/").status == 404

    # The staff issue the order; the drawn branch finds it among its orders.
    staff.goto(f"{live_server.url}/accountability/inspections/units/{unit.pk}/")
    staff.locator('form[action*="/findings/"] button').click()
    expect(staff.locator("h1")).to_be_visible()
    order = SpotCheckFinding.objects.get().order
    assert order.organization == drawn and order.source_kind == "spot_check"
    branch_user = "secretary" if drawn == a["branch1"] else "sibling"
    branch_context, branch = open_page(browser, live_server, branch_user)
    branch.goto(f"{live_server.url}/accountability/rectifications/received/{drawn.pk}/")
    expect(branch.locator(f'[data-order="{order.pk}"]')).to_be_visible()

    # The report names the check; the last page is kept for the record.
    staff.goto(f"{live_server.url}/accountability/inspections/spot-checks/{check.pk}/")
    with staff.expect_download() as download:
        staff.locator(f'a[href$="/spot-checks/{check.pk}/report.pdf"]').click()
    path = download.value.path()
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert TITLE in text and drawn.name in text
    SCREENSHOT.parent.mkdir(exist_ok=True)
    staff.screenshot(path=str(SCREENSHOT), full_page=True)
    for context in (staff_context, inspector_context, branch_context):
        context.close()
