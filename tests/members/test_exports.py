"""Member roster export: the columns of the import, ID-card numbers in full,
only for those who may change the members, recorded; it re-imports cleanly."""

import datetime
import io
import uuid

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import include, path, reverse

from branches.models import ExportRecord, Role
from config import urls as project_urls
from members import idcard
from members.exports import export_members_xlsx
from members.imports import HEADERS, check_and_import
from members.models import ImportJob, ImportStatus, Member
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
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


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def tree(db):
    return province_tree("甲")


@pytest.fixture
def secretary(tree):
    user = ActorFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=tree["branch1"])
    return user


def roster(members: int, branch, start: int = 0) -> list[Member]:
    kinds = [
        {"full": True, "phone": "13800000000", "leadership_level": "county"},
        {"education": "postgraduate", "ethnicity": "回族", "employer_sector": "rural"},
        {"full": True, "gender": "female", "education": "junior_or_below", "phone": ""},
    ]
    return [
        MemberFactory(
            branch=branch,
            id_number=valid_id_number(100 + i, datetime.date(1970, 1, 1) + datetime.timedelta(i)),
            birth_date=datetime.date(1970, 1, 1) + datetime.timedelta(i),
            **kinds[i % len(kinds)],
        )
        for i in range(start, start + members)
    ]


def read_sheet(content: bytes) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return list(workbook.active.iter_rows(values_only=True))


def download(client, branch) -> bytes:
    response = client.get(reverse("member-import:export", args=[branch.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def test_the_export_has_the_import_columns_and_full_id_numbers(tree, secretary, client):
    members = roster(3, tree["branch1"])
    MemberFactory(branch=tree["branch1"], left_on=datetime.date(2025, 1, 1), left_reason="deceased")
    MemberFactory(branch=tree["branch2"])  # outside the branch
    client.force_login(secretary)

    rows = read_sheet(download(client, tree["branch1"]))

    assert rows[0] == HEADERS
    assert len(rows) == 4, "current members of the branch only"
    by_name = {row[0]: dict(zip(HEADERS, row, strict=True)) for row in rows[1:]}
    first = by_name[members[0].name]
    assert first["身份证号码"] == idcard.decrypt(members[0].id_number_encrypted)
    assert first["出生日期"] == datetime.datetime(1970, 1, 1)  # a real Excel date
    assert (first["党员状态"], first["领导职务级别"], first["学历"]) == (
        "正式党员",
        "县级",
        "大学本科",
    )
    assert first["转正日期"] == datetime.datetime(2025, 7, 1)
    second = by_name[members[1].name]
    assert (second["党员状态"], second["转正日期"], second["领导职务级别"]) == (
        "预备党员",
        None,
        None,
    )
    assert (second["民族"], second["学历"], second["工作单位类别"]) == ("回族", "研究生", "农村")
    assert by_name[members[2].name]["性别"] == "女"


def test_cells_are_text_never_formulas(tree, secretary):
    MemberFactory(branch=tree["branch1"], name='=HYPERLINK("http://x","点")', phone="+86 10")
    output, rows = export_members_xlsx(Member.objects.all())
    sheet = openpyxl.load_workbook(output).active
    assert rows == 1
    assert sheet["F1"].value == "身份证号码"
    assert sheet["F2"].number_format == "@" and isinstance(sheet["F2"].value, str)
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("=HYPERLINK")
    assert sheet["G2"].value == "+86 10"


def test_export_then_import_creates_nothing_and_changes_nothing(tree, secretary, client):
    members = roster(9, tree["branch1"])
    before = list(Member.objects.order_by("pk").values())
    client.force_login(secretary)
    content = download(client, tree["branch1"])
    job = ImportJob.objects.create(
        branch=tree["branch1"],
        file=ContentFile(content, name=f"{uuid.uuid4().hex}.xlsx"),
        original_name="export.xlsx",
        dry_run=False,
        created_by=secretary,
    )

    assert check_and_import(job.pk) == ImportStatus.DONE
    job.refresh_from_db()
    assert job.report["errors"] == []
    assert (job.report["created"], job.report["updated"], job.report["unchanged"]) == (0, 0, 9)
    assert list(Member.objects.order_by("pk").values()) == before
    assert Member.objects.count() == len(members)


def test_the_export_is_recorded_with_user_branch_and_rows(tree, secretary, client):
    roster(2, tree["branch1"])
    client.force_login(secretary)
    download(client, tree["branch1"])
    record = ExportRecord.objects.get()
    assert (record.user, record.organization, record.row_count) == (
        secretary,
        tree["branch1"],
        2,
    )
    assert record.what == "members.roster"
    assert record.path == f"/members/import/{tree['branch1'].pk}/export.xlsx"


def test_a_committee_exports_its_whole_subtree(tree, client):
    roster(2, tree["branch1"])
    MemberFactory(branch=tree["branch2"])
    MemberFactory(branch=OrganizationFactory())  # elsewhere
    staff = ActorFactory()
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=tree["township"])
    client.force_login(staff)
    assert len(read_sheet(download(client, tree["township"]))) == 1 + 3


def test_export_queries_do_not_grow_with_the_members(
    tree, secretary, client, django_assert_max_num_queries
):
    client.force_login(secretary)
    roster(3, tree["branch1"])
    with django_assert_max_num_queries(12) as few:
        download(client, tree["branch1"])
    roster(12, tree["branch2"], start=3)
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=tree["branch2"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(read_sheet(download(client, tree["branch2"]))) == 1 + 12


def test_only_those_who_may_change_the_members_can_export(tree, client):
    inspector = ActorFactory()
    RoleAssignmentFactory(user=inspector, role=Role.INSPECTOR, organization=tree["province"])
    stranger = ActorFactory()
    RoleAssignmentFactory(
        user=stranger, role=Role.SECRETARY, organization=province_tree("乙")["branch1"]
    )
    url = reverse("member-import:export", args=[tree["branch1"].pk])
    client.force_login(inspector)
    assert client.get(url).status_code == 403
    client.force_login(stranger)
    assert client.get(url).status_code == 404
