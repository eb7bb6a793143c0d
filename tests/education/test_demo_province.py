"""The province-scale education demo data: attendance written with COPY and
yearly totals that match it, once."""

import datetime

import pytest

from education.demo_province import PLAN, ensure_province_education
from education.models import Activity, Attendance, YearlyTotal
from education.services import refresh_totals
from tests.factories import ActorFactory, MemberFactory, province_tree

YEAR = 2025


@pytest.fixture
def tree(db):
    tree = province_tree("S")
    for i in range(5):
        MemberFactory(branch=tree["branch1" if i % 2 else "branch2"], full=True)
    MemberFactory(branch=tree["branch1"], joined_on=datetime.date(2026, 3, 1))  # after the year
    return tree


def test_each_member_attends_every_activity_of_the_branch_and_totals_match(tree):
    code = tree["province"].code

    written = ensure_province_education(3, province_code=code, years=(YEAR,), actor=ActorFactory())

    assert written == 5 * len(PLAN)
    assert Activity.objects.filter(province=tree["province"]).count() == 2 * len(PLAN)
    assert not Attendance.objects.filter(member__joined_on__year=2026).exists()
    for row in Attendance.objects.select_related("activity", "member"):
        assert row.activity.organization_id == row.member.branch_id
        credited = row.status in ("present", "delivered")
        assert row.credited_hours == (row.activity.hours if credited else 0)
    seeded = sorted(YearlyTotal.objects.values_list("member_id", "hours", "activities", "absences"))
    assert len(seeded) == 5
    refresh_totals([member_id for member_id, *_ in seeded], YEAR)
    recomputed = sorted(
        YearlyTotal.objects.values_list("member_id", "hours", "activities", "absences")
    )
    assert recomputed == seeded


def test_a_second_run_adds_nothing(tree):
    code = tree["province"].code
    ensure_province_education(3, province_code=code, years=(YEAR,), actor=ActorFactory())

    assert ensure_province_education(3, province_code=code, years=(YEAR,)) == 0
    assert Attendance.objects.count() == 5 * len(PLAN)


def test_audit_triggers_are_on_again_after_the_load(tree):
    from django.db import connection

    ensure_province_education(
        3, province_code=tree["province"].code, years=(YEAR,), actor=ActorFactory()
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('session_replication_role')")
        assert cursor.fetchone()[0] == "origin"
        cursor.execute(
            "SELECT DISTINCT tgenabled FROM pg_trigger"
            " WHERE tgrelid IN ('education_activity'::regclass, 'education_attendance'::regclass)"
            " AND tgname LIKE 'pgtrigger_%'"
        )
        assert cursor.fetchall() == [("O",)]
