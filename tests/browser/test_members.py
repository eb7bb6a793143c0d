"""The secretary's roster journey in a real browser, with a real Celery worker:
upload a roster with a bad row, read the report, fix it, preview, save; then
the member opens their own page."""

import datetime
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from playwright.sync_api import expect

from branches.models import Role
from config.celery import app as celery_app
from members.models import Member
from tests.factories import (
    TEST_PASSWORD,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
    valid_id_number,
)

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = ",".join(
    [
        *("姓名", "性别", "民族", "出生日期", "学历", "身份证号码", "联系电话"),
        *("入党日期", "党员状态", "转正日期", "工作单位类别", "领导职务级别"),
    ]
)


def roster(tmp_path, name: str, rows: list[str]):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8-sig")
    return path


def row(name: str, seq: int, *, id_number: str | None = None) -> str:
    number = id_number or valid_id_number(seq, datetime.date(1985, 3, 3))
    return (
        f"{name},男,汉族,1985-03-03,大学本科,{number},13800000000,"
        "2010-07-01,正式党员,2011-07-01,机关,"
    )


@pytest.fixture
def worker():
    queue = f"browser-{uuid.uuid4().hex}"
    celery_app.conf.task_default_queue = queue
    try:
        with start_worker(
            celery_app, perform_ping_check=False, queues=[queue], shutdown_timeout=10
        ):
            yield
    finally:
        celery_app.conf.task_default_queue = "celery"


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("欢迎")


def test_secretary_loads_a_roster_fixes_it_and_saves(page, live_server, tmp_path, worker):
    tree = province_tree("甲", parent=OrganizationFactory(level="central"))
    branch = tree["branch1"]
    secretary = UserFactory(username="sec")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=branch)
    log_in(page, live_server, "sec")

    page.click("nav >> text=党员")
    page.click("text=添加或导入党员")
    page.click("text=导入花名册")
    expect(page.locator("h1")).to_contain_text("导入党员")

    bad = roster(
        tmp_path, "roster.csv", [row("张三", 1), row("李四", 2, id_number="110101198503030000")]
    )
    page.set_input_files("input[type=file]", str(bad))
    page.click("main button[type=submit]")
    expect(page.locator("body")).to_contain_text("未保存任何数据", timeout=30_000)
    expect(page.locator("table")).to_contain_text("3")  # the bad row's number in the file
    expect(page.locator("table")).to_contain_text("校验码")
    assert not Member.objects.exists()

    page.goto(f"{live_server.url}/members/import/{branch.pk}/")
    good = roster(tmp_path, "roster2.csv", [row("张三", 1), row("李四", 2)])
    page.set_input_files("input[type=file]", str(good))
    page.click("main button[type=submit]")
    expect(page.locator("body")).to_contain_text("目前尚未保存", timeout=30_000)
    assert not Member.objects.exists()
    page.click("text=正式保存")
    expect(page.locator("body")).to_contain_text("已保存：新增 2 名党员", timeout=30_000)
    assert set(Member.objects.values_list("name", flat=True)) == {"张三", "李四"}

    page.goto(f"{live_server.url}/members/")
    expect(page.locator("table")).to_contain_text("张三")
    expect(page.locator("table")).to_contain_text("李四")
