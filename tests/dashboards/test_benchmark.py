"""`manage.py benchmark` on a tiny province: every section prints its figure,
the hand-written SQL agrees with the application, and nothing is kept."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from branches.models import ExportRecord, Role, User
from dashboards.bench import sql
from education import selectors
from education.demo_province import ensure_province_education
from education.models import Attendance, YearClosure, YearlyTotal
from members.models import ImportJob, Member
from tests.factories import MemberFactory, RoleAssignmentFactory, UserFactory, province_tree
from tests.mobility.test_pdf import make_certificate

YEAR = 2025


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tree = province_tree("B")
    staff = UserFactory()
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=tree["province"])
    for i in range(8):
        MemberFactory(
            branch=tree["branch1" if i % 2 else "branch2"],
            full=True,
            joined_on=datetime.date(2015, 7, 1),
            employer_sector="government" if i < 4 else "rural",
        )
    ensure_province_education(7, province_code=tree["province"].code, years=(YEAR,), actor=staff)
    make_certificate(tree["branch1"], tree["branch2"], seq=990)
    return tree


def run(tree, *extra) -> str:
    out, err = StringIO(), StringIO()
    call_command(
        "benchmark",
        "--province",
        tree["province"].code,
        "--year",
        str(YEAR),
        "--requests",
        "3",
        "--pdfs",
        "1",
        "--import-rows",
        "5",
        "--export-rows",
        "20",
        *extra,
        stdout=out,
        stderr=err,
    )
    assert "FAILED" not in out.getvalue(), err.getvalue()
    return out.getvalue()


def test_every_section_prints_its_figure_and_nothing_is_kept(world):
    members, users = Member.objects.count(), User.objects.count()
    totals = list(YearlyTotal.objects.order_by("pk").values_list("member_id", "hours"))

    output = run(world)

    assert "B省" in output and "attendance rows" in output
    lines = {
        line.split("|")[2].strip(): line for line in output.splitlines() if line.startswith("| ")
    }
    assert any(measure.startswith("dashboard") for measure in lines)
    assert " ms / " in lines["my hours: median / p95 (first)"]
    assert "attendance rows" in lines["my hours: queries per page"]
    assert "constant | met" in lines["my hours: queries per page"]
    close = next(line for measure, line in lines.items() if measure.startswith("yearly close"))
    assert "one SQL statement" in close and "it counts" not in close  # the SQL agrees
    assert any(m.startswith("certificate PDFs") and "/s" in lines[m] for m in lines)
    assert any(m.startswith("import .xlsx, 5 members created") for m in lines)
    assert any(m.startswith("export .xlsx of 9 members") and " MB" in lines[m] for m in lines)
    assert "web worker (this process) during 1–2: peak memory" in lines

    assert Member.objects.count() == members
    assert User.objects.count() == users
    assert not YearClosure.objects.exists()
    assert not ImportJob.objects.exists()
    assert not ExportRecord.objects.exists()
    assert list(YearlyTotal.objects.order_by("pk").values_list("member_id", "hours")) == totals


def test_skipped_sections_print_nothing(world):
    output = run(world, "--skip", "pdf", "--skip", "import", "--skip", "export")

    assert "certificate PDFs" not in output
    assert "import .xlsx" not in output
    assert "export .xlsx" not in output
    assert "yearly close" in output


def test_unknown_province_is_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="seed_demo --scale province"):
        call_command("benchmark", "--province", "XX", stdout=StringIO())


def test_raw_compliance_aggregate_matches_the_member_statuses(world):
    province = world["province"]
    members = Member.objects.filter(province=province).select_related("branch")
    statuses = selectors.year_statuses(members, YEAR)

    rows = sql.compliance_by_child(province.pk, YEAR)

    assert rows == [(world["city"].pk, len(statuses), sum(s.compliant for s in statuses))]
    assert Attendance.objects.filter(member__province=province).count() == 80
