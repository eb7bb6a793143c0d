"""Member roster import: parsing, checking, all-or-nothing saving, the task in a
real Celery worker, and the upload and job pages with their scope."""

import csv
import datetime
import io
import uuid
from types import SimpleNamespace

import openpyxl
import pytest
from celery.contrib.testing.worker import start_worker
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from django.utils import timezone, translation

from branches.models import Role
from config import urls as project_urls
from config.celery import app as celery_app
from members import idcard, imports, services
from members.imports import HEADERS, CellError, check_and_import, parse_date
from members.models import ImportJob, ImportStatus, Member
from tests.factories import (
    ActorFactory,
    MemberFactory,
    RoleAssignmentFactory,
    province_tree,
    valid_id_number,
)


def _with_import_urls():
    """The project's URLs, plus this feature's until config/urls.py includes them."""
    patterns = list(project_urls.urlpatterns)
    if not any(getattr(p, "namespace", None) == "member-import" for p in patterns):
        patterns.append(path("members/import/", include("members.import_urls")))
    return patterns


urlpatterns = _with_import_urls()
pytestmark = pytest.mark.urls(__name__)

BORN = datetime.date(1985, 5, 5)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    """Pages in English (the language cookie), so messages can be compared."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def world(db):
    a = province_tree("甲")
    b = province_tree("乙")
    secretary = ActorFactory()
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    other_secretary = ActorFactory()
    RoleAssignmentFactory(user=other_secretary, role=Role.SECRETARY, organization=b["branch1"])
    inspector = ActorFactory()
    RoleAssignmentFactory(user=inspector, role=Role.INSPECTOR, organization=a["province"])
    return SimpleNamespace(
        a=a,
        b=b,
        branch=a["branch1"],
        secretary=secretary,
        other_secretary=other_secretary,
        inspector=inspector,
    )


# --- helpers ----------------------------------------------------------------------------


def roster_row(seq: int, **cells) -> dict:
    """A correct row for a new full member; `cells` override by heading."""
    number = valid_id_number(seq, BORN)
    row = {
        "姓名": f"党员{seq}",
        "性别": "男" if idcard.gender(number) == "male" else "女",
        "民族": "汉族",
        "出生日期": datetime.datetime(1985, 5, 5),
        "学历": "大学本科",
        "身份证号码": number,
        "联系电话": f"138{seq:08d}",
        "入党日期": datetime.datetime(2010, 7, 1),
        "党员状态": "正式党员",
        "转正日期": datetime.datetime(2011, 7, 1),
        "工作单位类别": "机关",
        "领导职务级别": None,
    }
    row.update(cells)
    return row


def xlsx_bytes(rows, headers=HEADERS, above=()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in above:
        sheet.append(line)
    sheet.append(list(headers))
    for row in rows:
        sheet.append([row.get(imports.normalize_header(h)) for h in headers])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def csv_bytes(rows, encoding: str) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row[h] for h in HEADERS])
    return text.getvalue().encode(encoding)


def make_job(world, content: bytes, *, name="名册.xlsx", dry_run=False, user=None, branch=None):
    suffix = name.rsplit(".", 1)[-1]
    return ImportJob.objects.create(
        branch=branch or world.branch,
        file=ContentFile(content, name=f"{uuid.uuid4().hex}.{suffix}"),
        original_name=name,
        dry_run=dry_run,
        created_by=user or world.secretary,
    )


def run(job) -> ImportJob:
    check_and_import(job.pk)
    job.refresh_from_db()
    return job


def problems(job) -> list[tuple]:
    return [(e["row"], e["column"]) for e in job.report["errors"]]


# --- reading cells ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2006-06-21",
        "2006/6/21",
        "2006年6月21日",
        " 2006 年 6 月 21 日 ",
        "2006.6.21",
        "20060621",
        20060621,
        "2006-06-21 00:00:00",
        datetime.datetime(2006, 6, 21),
        datetime.date(2006, 6, 21),
        38889,  # an Excel serial day number
    ],
)
def test_dates_in_the_forms_branches_write(value):
    assert parse_date(value) == datetime.date(2006, 6, 21)


@pytest.mark.parametrize("value", ["2006-13-01", "2006年6月", "yesterday", "2006/02/30"])
def test_impossible_dates_are_refused(value):
    with pytest.raises(CellError, match="Not a date"):
        parse_date(value)


# --- checking a file --------------------------------------------------------------------


def test_thousand_rows_with_five_bad_ones_report_exactly_those_and_save_nothing(world):
    rows = [roster_row(i) for i in range(1000)]
    number = rows[9]["身份证号码"]
    rows[9]["身份证号码"] = number[:17] + ("1" if number[17] == "0" else "0")  # row 11
    rows[199]["入党日期"] = "2010-13-45"  # row 201
    rows[449]["学历"] = "幼儿园"  # row 451
    rows[699]["身份证号码"] = rows[3]["身份证号码"]  # row 701 repeats row 5
    rows[998]["姓名"] = None  # row 1000
    job = run(make_job(world, xlsx_bytes(rows)))

    assert job.status == ImportStatus.FAILED
    assert problems(job) == [
        (11, "身份证号码"),
        (201, "入党日期"),
        (451, "学历"),
        (701, "身份证号码"),
        (1000, "姓名"),
    ]
    messages = [e["message"] for e in job.report["errors"]]
    assert messages[0] == "The check character of the ID-card number is wrong."
    assert messages[1].startswith("Not a date")
    assert "大学本科" in messages[2]
    assert messages[3] == "The same ID-card number is already on row 5."
    assert messages[4] == "Needed for a new member."
    assert job.total_rows == job.processed_rows == 1000
    assert job.report["created"] == job.report["updated"] == 0
    assert not Member.objects.exists()


def test_a_clean_preview_saves_nothing_and_confirming_saves_everything(
    world, client, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(
        "members.import_views.run_member_import.delay",
        lambda job_id, language=None: queued.append(job_id),
    )
    rows = [roster_row(i) for i in range(12)]
    rows[0].update({"党员状态": "预备党员", "转正日期": None, "领导职务级别": "县级"})
    client.force_login(world.secretary)
    upload_url = reverse("member-import:upload", args=[world.branch.pk])
    assert client.get(upload_url).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            upload_url, {"file": SimpleUploadedFile("名册.xlsx", xlsx_bytes(rows)), "dry_run": "on"}
        )
    preview = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("member-import:job", args=[preview.pk])
    assert queued == [preview.pk]
    assert preview.dry_run and preview.original_name == "名册.xlsx"

    preview = run(preview)
    assert preview.status == ImportStatus.CHECKED
    assert preview.report["created"] == 12 and preview.report["errors"] == []
    assert not Member.objects.exists()
    page = client.get(reverse("member-import:job", args=[preview.pk])).content.decode()
    assert reverse("member-import:confirm", args=[preview.pk]) in page

    confirm_url = reverse("member-import:confirm", args=[preview.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url)
    saving = ImportJob.objects.exclude(pk=preview.pk).get()
    assert response.url == reverse("member-import:job", args=[saving.pk])
    assert queued == [preview.pk, saving.pk]
    assert not saving.dry_run and saving.file.name == preview.file.name
    stored = saving.file.name

    saving = run(saving)
    assert saving.status == ImportStatus.DONE, saving.report
    assert saving.report["created"] == 12
    assert saving.total_rows == saving.processed_rows == 12
    assert Member.objects.filter(branch=world.branch).count() == 12
    first = Member.objects.get(name="党员0")
    assert idcard.decrypt(first.id_number_encrypted) == rows[0]["身份证号码"]
    assert (first.status, first.full_since, first.leadership_level) == (
        "probationary",
        None,
        "county",
    )
    assert first.conversion_due == datetime.date(2011, 7, 1)
    assert first.birth_date == BORN and first.education == "bachelor"
    assert first.employer_sector == "government" and first.phone == "13800000000"
    # The file with ID-card numbers in clear is not kept once saved.
    assert not default_storage.exists(stored)
    assert not saving.file and not ImportJob.objects.get(pk=preview.pk).file
    page = client.get(reverse("member-import:job", args=[preview.pk])).content.decode()
    assert confirm_url not in page
    assert reverse("member-import:job", args=[saving.pk]) in page
    # A second click does not save again.
    response = client.post(confirm_url)
    assert response.url == reverse("member-import:job", args=[saving.pk])
    assert ImportJob.objects.count() == 2


def test_blank_cells_never_overwrite_recorded_data(world):
    number = valid_id_number(7, datetime.date(1980, 1, 1))
    member = MemberFactory(
        branch=world.branch,
        full=True,
        id_number=number,
        name="旧名字",
        phone="13900000000",
        education="college",
        ethnicity="回族",
        leadership_level="county",
    )
    before = Member.objects.values().get(pk=member.pk)
    row = dict.fromkeys(HEADERS) | {"身份证号码": number, "姓名": "新名字"}
    job = run(make_job(world, xlsx_bytes([row])))

    assert job.status == ImportStatus.DONE, job.report
    assert (job.report["created"], job.report["updated"], job.report["unchanged"]) == (0, 1, 0)
    after = Member.objects.values().get(pk=member.pk)
    assert after["name"] == "新名字"
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"name", "updated_at"}


def test_a_probationary_member_can_be_recorded_as_converted(world):
    number = valid_id_number(8, datetime.date(1980, 1, 1))
    member = MemberFactory(branch=world.branch, id_number=number)
    row = {"身份证号码": number, "党员状态": "正式党员", "转正日期": "2025-07-01"}
    job = run(make_job(world, xlsx_bytes([row])))
    assert job.status == ImportStatus.DONE, job.report
    member.refresh_from_db()
    assert (member.status, member.full_since, member.conversion_due) == (
        "full",
        datetime.date(2025, 7, 1),
        None,
    )


def test_the_same_id_number_twice_in_the_file_is_an_error_on_the_second_row(world):
    rows = [roster_row(1), roster_row(2), roster_row(3, 身份证号码=roster_row(1)["身份证号码"])]
    job = run(make_job(world, xlsx_bytes(rows)))
    assert job.status == ImportStatus.FAILED
    assert problems(job) == [(4, "身份证号码")]
    assert job.report["errors"][0]["message"] == "The same ID-card number is already on row 2."
    assert not Member.objects.exists()


def test_an_id_number_recorded_in_another_province_is_an_error_that_says_not_where(world):
    number = valid_id_number(9, datetime.date(1980, 1, 1))
    elsewhere = MemberFactory(branch=world.b["branch1"], id_number=number, name="乙的党员")
    rows = [roster_row(1), roster_row(2, 身份证号码=number, 姓名="改名")]
    job = run(make_job(world, xlsx_bytes(rows)))

    assert job.status == ImportStatus.FAILED
    assert problems(job) == [(3, "身份证号码")]
    message = job.report["errors"][0]["message"]
    assert "already recorded" in message
    for leak in ("乙", str(elsewhere.branch_id), elsewhere.branch.code, "乙的党员"):
        assert leak not in message
    assert Member.objects.count() == 1
    elsewhere.refresh_from_db()
    assert elsewhere.name == "乙的党员"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_files_in_utf8_with_bom_and_in_gb18030(world, encoding):
    rows = [
        roster_row(1, 姓名="欧阳修", 入党日期="2010/7/1", 转正日期="2011年7月1日"),
        roster_row(2, 姓名="买买提·艾力", 民族="维吾尔族", 出生日期="1985-05-05"),
    ]
    for row in rows:
        for heading in ("出生日期", "入党日期", "转正日期"):
            if isinstance(row[heading], datetime.datetime):
                row[heading] = row[heading].strftime("%Y-%m-%d")
    job = run(make_job(world, csv_bytes(rows, encoding), name="名册.csv"))

    assert job.status == ImportStatus.DONE, job.report
    saved = {m.name: m for m in Member.objects.all()}
    assert set(saved) == {"欧阳修", "买买提·艾力"}
    assert saved["欧阳修"].joined_on == datetime.date(2010, 7, 1)
    assert saved["欧阳修"].full_since == datetime.date(2011, 7, 1)
    assert saved["买买提·艾力"].ethnicity == "维吾尔族"


def test_headings_with_spaces_below_a_title_and_unknown_columns(world):
    headers = ["序号", "姓 名", *HEADERS[1:], "备注"]
    rows = [roster_row(1) | {"序号": 1}, {"序号": 2}, roster_row(2) | {"序号": 3}]
    job = run(make_job(world, xlsx_bytes(rows, headers, above=[["甲支部党员花名册"]])))

    assert job.status == ImportStatus.DONE, job.report
    assert Member.objects.count() == 2  # the row with only a serial number is skipped
    warnings = [(w["row"], w["column"]) for w in job.report["warnings"]]
    assert warnings == [(2, "序号"), (2, "备注")]


def test_missing_required_columns_fail_the_whole_file(world):
    headers = [h for h in HEADERS if h not in ("学历", "党员状态")]
    job = run(make_job(world, xlsx_bytes([roster_row(1)], headers)))
    assert job.status == ImportStatus.FAILED
    assert problems(job) == [(1, "学历"), (1, "党员状态")]
    assert {e["message"] for e in job.report["errors"]} == {"This required column is missing."}
    assert not Member.objects.exists()


def test_a_file_without_headings_is_refused_with_the_columns_it_needs(world):
    job = run(make_job(world, b"just,some,text\n1,2,3\n", name="x.csv"))
    assert job.status == ImportStatus.FAILED
    assert "姓名" in job.report["errors"][0]["message"]


def test_a_file_with_too_many_rows_is_refused_before_saving(world, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 3)
    job = run(make_job(world, xlsx_bytes([roster_row(i) for i in range(4)])))
    assert job.status == ImportStatus.FAILED
    assert "more than 3 member rows" in job.report["errors"][0]["message"]
    assert not Member.objects.exists()


def test_a_file_with_headings_only_has_no_rows(world):
    job = run(make_job(world, xlsx_bytes([])))
    assert job.status == ImportStatus.FAILED
    assert job.report["errors"] == [
        {"row": None, "column": "", "message": "The file has no member rows."}
    ]


def test_a_member_of_another_branch_of_the_user_is_updated_there_not_moved(world):
    RoleAssignmentFactory(
        user=world.secretary, role=Role.SECRETARY, organization=world.a["branch2"]
    )
    number = valid_id_number(12, datetime.date(1980, 1, 1))
    member = MemberFactory(branch=world.a["branch2"], id_number=number)
    job = run(make_job(world, xlsx_bytes([{"身份证号码": number, "联系电话": "010-1234"}])))
    assert job.status == ImportStatus.DONE, job.report
    assert [(w["row"], w["column"]) for w in job.report["warnings"]] == [(2, "身份证号码")]
    member.refresh_from_db()
    assert (member.branch, member.phone) == (world.a["branch2"], "010-1234")


def test_old_files_are_purged_once(world):
    from members.tasks import purge_member_import_files

    old_preview = run(make_job(world, xlsx_bytes([roster_row(1)]), dry_run=True))
    fresh_preview = run(make_job(world, xlsx_bytes([roster_row(1)]), dry_run=True))
    waiting = make_job(world, xlsx_bytes([roster_row(1)]))
    day_ago = timezone.now() - datetime.timedelta(hours=25)
    ImportJob.objects.filter(pk__in=[old_preview.pk, waiting.pk]).update(created_at=day_ago)
    names = {job.pk: job.file.name for job in (old_preview, fresh_preview, waiting)}

    assert purge_member_import_files() == 1
    assert purge_member_import_files() == 0
    assert not default_storage.exists(names[old_preview.pk])
    assert default_storage.exists(names[fresh_preview.pk])
    assert default_storage.exists(names[waiting.pk])


def test_rules_across_cells(world):
    full_number = valid_id_number(11, datetime.date(1980, 1, 1))
    MemberFactory(branch=world.branch, full=True, id_number=full_number)
    rows = [
        roster_row(1, 转正日期=None),  # full member without the day
        roster_row(2, 入党日期=datetime.datetime(1984, 1, 1)),  # admitted before birth
        roster_row(3, 党员状态="预备党员"),  # probationary with a conversion day
        roster_row(4, 转正日期=datetime.datetime(2009, 1, 1)),  # converted before admission
        {"身份证号码": full_number, "党员状态": "预备党员"},  # back to probationary
        roster_row(5, 入党日期=datetime.datetime(2999, 1, 1)),  # in the future
        roster_row(6, 身份证号码=float(valid_id_number(6, BORN)[:17] + "1")),  # digits lost
    ]
    job = run(make_job(world, xlsx_bytes(rows)))
    assert problems(job) == [
        (2, "转正日期"),
        (3, "入党日期"),
        (4, "转正日期"),
        (5, "转正日期"),
        (6, "党员状态"),
        (7, "入党日期"),
        (8, "身份证号码"),
    ]
    assert "stored as a number" in job.report["errors"][-1]["message"]


def test_gender_and_birth_date_come_from_the_id_number_when_blank(world):
    row = roster_row(1, 性别=None, 出生日期=None, 民族=None)
    job = run(make_job(world, xlsx_bytes([row])))
    assert job.status == ImportStatus.DONE, job.report
    member = Member.objects.get()
    assert member.birth_date == BORN
    assert member.gender == idcard.gender(row["身份证号码"])
    assert member.ethnicity == "汉族"


def test_a_service_error_while_saving_rolls_everything_back(world, monkeypatch):
    real_create = services.member_create
    calls = []

    def failing_create(**kwargs):
        calls.append(kwargs["id_number"])
        if len(calls) == 3:
            raise ValidationError({"phone": ["This phone number is refused."]})
        return real_create(**kwargs)

    monkeypatch.setattr(services, "member_create", failing_create)
    job = run(make_job(world, xlsx_bytes([roster_row(i) for i in range(5)])))

    assert job.status == ImportStatus.FAILED
    assert job.report["errors"] == [
        {"row": 4, "column": "联系电话", "message": "This phone number is refused."}
    ]
    assert job.report["created"] == 0
    assert not Member.objects.exists()


def test_running_twice_changes_nothing_the_second_time(world):
    job = run(make_job(world, xlsx_bytes([roster_row(1), roster_row(2)])))
    assert job.status == ImportStatus.DONE
    assert check_and_import(job.pk) == ImportStatus.DONE
    assert Member.objects.count() == 2
    job.refresh_from_db()
    assert job.report["created"] == 2


def test_a_job_left_running_by_a_dead_worker_runs_again(world):
    job = make_job(world, xlsx_bytes([roster_row(1)]), dry_run=True)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, processed_rows=1)
    assert run(job).status == ImportStatus.CHECKED


def test_a_creator_who_lost_the_right_gets_nothing_saved(world):
    job = make_job(world, xlsx_bytes([roster_row(1)]), user=world.inspector)
    job = run(job)
    assert job.status == ImportStatus.FAILED
    assert not Member.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_task_runs_in_a_real_worker_to_the_end():
    from members.tasks import run_member_import

    tree = province_tree("丙")
    secretary = ActorFactory()
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=tree["branch1"])
    world = SimpleNamespace(branch=tree["branch1"], secretary=secretary)
    job = make_job(world, xlsx_bytes([roster_row(i) for i in range(30)]))
    queue = f"test-{uuid.uuid4().hex}"

    with start_worker(celery_app, perform_ping_check=False, queues=[queue], shutdown_timeout=10):
        status = run_member_import.apply_async((job.pk,), queue=queue).get(timeout=60)
        again = run_member_import.apply_async((job.pk,), queue=queue).get(timeout=60)

    job.refresh_from_db()
    assert status == again == ImportStatus.DONE
    assert job.status == ImportStatus.DONE, job.report
    assert job.total_rows == job.processed_rows == 30
    assert job.finished_at is not None
    assert Member.objects.filter(branch=tree["branch1"]).count() == 30


# --- the pages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("evil.xlsx", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 8, "not an Excel"),
        ("evil.csv", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 8, "not a CSV"),
        ("名册.xls", b"whatever", "only .xlsx and .csv"),
        ("big.csv", b"x" * (10 * 1024 * 1024 + 1), "larger than 10 MB"),
    ],
    ids=["exe-as-xlsx", "exe-as-csv", "xls", "over-10mb"],
)
def test_the_upload_refuses_files_that_are_not_rosters(world, client, name, content, says):
    client.force_login(world.secretary)
    response = client.post(
        reverse("member-import:upload", args=[world.branch.pk]),
        {"file": SimpleUploadedFile(name, content), "dry_run": "on"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["file"]
    assert name in errors["file"][0] and says in errors["file"][0]
    assert not ImportJob.objects.exists()


def test_the_job_page_polls_while_running_and_shows_the_errors_when_done(world, client):
    client.force_login(world.secretary)
    job = make_job(world, xlsx_bytes([roster_row(1, 学历="幼儿园")]))
    progress_url = reverse("member-import:progress", args=[job.pk])
    fragment = client.get(progress_url).content.decode()
    assert f'hx-get="{progress_url}"' in fragment and 'hx-trigger="every 1s"' in fragment
    assert "progress-bar" in fragment and "<script" not in fragment

    run(job)
    page = client.get(reverse("member-import:job", args=[job.pk])).content.decode()
    assert "hx-trigger" not in page
    assert "table-responsive" in page and '<td class="text-nowrap">2</td>' in page
    assert "学历" in page


def test_a_secretary_gets_404_for_another_branchs_pages(world, client):
    theirs = make_job(
        world, xlsx_bytes([roster_row(1)]), user=world.other_secretary, branch=world.b["branch1"]
    )
    client.force_login(world.secretary)
    other_branch = world.b["branch1"].pk
    for url in (
        reverse("member-import:upload", args=[other_branch]),
        reverse("member-import:export", args=[other_branch]),
        reverse("member-import:upload", args=[world.a["branch2"].pk]),
        reverse("member-import:job", args=[theirs.pk]),
        reverse("member-import:progress", args=[theirs.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert client.post(reverse("member-import:confirm", args=[theirs.pk])).status_code == 404


def test_a_view_only_inspector_gets_403(world, client):
    job = make_job(world, xlsx_bytes([roster_row(1)]))
    client.force_login(world.inspector)
    for url in (
        reverse("member-import:upload", args=[world.branch.pk]),
        reverse("member-import:export", args=[world.branch.pk]),
        reverse("member-import:job", args=[job.pk]),
        reverse("member-import:progress", args=[job.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("member-import:confirm", args=[job.pk])).status_code == 403


def test_the_pages_need_a_login(world, client):
    response = client.get(reverse("member-import:upload", args=[world.branch.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_committee_gets_no_upload_form(world, client):
    staff = ActorFactory()
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=world.a["county"])
    client.force_login(staff)
    url = reverse("member-import:upload", args=[world.a["county"].pk])
    response = client.get(url)
    assert response.status_code == 200 and response.context["problem"]
    content = xlsx_bytes([roster_row(1)])
    response = client.post(url, {"file": SimpleUploadedFile("a.xlsx", content)})
    assert response.status_code == 200 and not ImportJob.objects.exists()


def test_the_job_page_makes_a_fixed_number_of_queries(world, client, django_assert_max_num_queries):
    job = run(make_job(world, xlsx_bytes([roster_row(i, 学历="?") for i in range(50)])))
    assert len(job.report["errors"]) == 50
    client.force_login(world.secretary)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("member-import:job", args=[job.pk])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_progress_of_the_saving_transaction_is_visible_to_other_connections(monkeypatch):
    """The rows are saved in one transaction; a page polling from another
    connection still sees the progress (written through a second connection)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    tree = province_tree("丁")
    secretary = ActorFactory()
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=tree["branch1"])
    job = make_job(
        SimpleNamespace(branch=tree["branch1"], secretary=secretary),
        xlsx_bytes([roster_row(i) for i in range(12)]),
    )
    monkeypatch.setattr(imports, "PROGRESS_EVERY_SECONDS", 0)
    real_create = services.member_create
    seen = []

    def watching_create(**kwargs):
        page = connections.create_connection(DEFAULT_DB_ALIAS)  # like a polling request
        try:
            with page.cursor() as cursor:
                cursor.execute(
                    "SELECT status, processed_rows, total_rows, report->>'phase',"
                    " (SELECT count(*) FROM members_member)"
                    " FROM members_importjob WHERE id = %s",
                    [job.pk],
                )
                seen.append(cursor.fetchone())
        finally:
            page.close()
        return real_create(**kwargs)

    monkeypatch.setattr(services, "member_create", watching_create)
    assert check_and_import(job.pk) == ImportStatus.DONE

    assert [row[1] for row in seen] == list(range(12))  # rows saved before each one
    assert all(row[0] == "running" and row[2] == 12 and row[3] == "saving" for row in seen)
    assert all(row[4] == 0 for row in seen), "nothing is visible before the commit"
    assert Member.objects.count() == 12
