"""Closing an education year freezes its totals; later edits need a reason."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from pghistory.models import Context

from branches.models import OrgKind, OrgLevel, Role, Sector
from education import services, tasks
from education.models import Attendance, LateCorrection, SelfStudy, YearClosure, YearlyTotal
from education.selectors import year_is_closed
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

TZ = datetime.timezone(datetime.timedelta(hours=8))
LAST_YEAR = 2025  # the clock of these tests is in 2026


@pytest.fixture
def eager_celery():
    """Queued tasks run in-process (when the on-commit callbacks run)."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    return {"a": province_tree("甲", parent=root), "b": province_tree("乙", parent=root)}


@pytest.fixture
def secretary(world):
    user = ActorFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=world["a"]["branch1"])
    return user


@pytest.fixture
def staff(world):
    user = ActorFactory()
    RoleAssignmentFactory(user=user, role=Role.ORG_STAFF, organization=world["a"]["province"])
    return user


def lecture(actor, org, year=LAST_YEAR, hours="4", **extra):
    return services.activity_create(
        actor=actor,
        organization=org,
        kind="lecture",
        title="学习党章",
        lecturer="书记",
        starts_at=datetime.datetime(year, 6, 1, 9, tzinfo=TZ),
        hours=Decimal(hours),
        **extra,
    )


def test_closing_recomputes_and_counts_and_a_second_close_changes_nothing(world, secretary, staff):
    branch = world["a"]["branch1"]
    soe = MemberFactory(branch=branch, employer_sector=Sector.STATE_ENTERPRISE)
    rural = MemberFactory(branch=world["a"]["branch2"], employer_sector=Sector.RURAL)
    MemberFactory(branch=world["b"]["branch1"])  # another province: untouched
    activity = lecture(secretary, branch)
    services.attendance_save(actor=secretary, activity=activity)
    # A stale total (e.g. written before a bug fix) is put right by the close.
    YearlyTotal.objects.filter(member=soe, year=LAST_YEAR).update(hours=99)
    closure = services.year_close(actor=staff, province=world["a"]["province"], year=LAST_YEAR)
    assert YearlyTotal.objects.get(member=soe, year=LAST_YEAR).hours == 4
    assert YearlyTotal.objects.get(member=rural, year=LAST_YEAR).hours == 0
    assert not YearlyTotal.objects.filter(member__branch=world["b"]["branch1"]).exists()
    assert (closure.members, closure.short, closure.closed_by) == (2, 2, staff)
    assert year_is_closed(branch, LAST_YEAR) and not year_is_closed(
        world["b"]["branch1"], LAST_YEAR
    )

    # The cycle runs again: same closure, no new rows, totals untouched.
    YearlyTotal.objects.filter(member=soe, year=LAST_YEAR).update(hours=7)
    again = services.year_close(actor=None, province=world["a"]["province"], year=LAST_YEAR)
    assert again.pk == closure.pk and again.closed_by == staff
    assert YearClosure.objects.count() == 1
    assert YearlyTotal.objects.get(member=soe, year=LAST_YEAR).hours == 7


def test_closing_by_the_cycle_without_an_actor(world):
    MemberFactory(branch=world["a"]["branch1"])
    closure = services.year_close(actor=None, province=world["a"]["province"], year=LAST_YEAR)
    assert closure.closed_by is None and closure.members == 1


def test_the_current_and_future_years_and_non_provinces_are_refused(world, staff):
    for year in (2026, 2027):
        with pytest.raises(ValidationError) as excinfo:
            services.year_close(actor=staff, province=world["a"]["province"], year=year)
        assert str(year) in excinfo.value.message_dict["year"][0]
    with pytest.raises(ValidationError) as excinfo:
        services.year_close(actor=staff, province=world["a"]["city"], year=LAST_YEAR)
    assert "province" in excinfo.value.message_dict
    assert not YearClosure.objects.exists()


def test_only_those_with_change_on_the_province_close_it(world, secretary):
    with pytest.raises(Http404):
        services.year_close(actor=secretary, province=world["a"]["province"], year=LAST_YEAR)
    other = ActorFactory()
    RoleAssignmentFactory(user=other, role=Role.ORG_STAFF, organization=world["b"]["province"])
    with pytest.raises(Http404):
        services.year_close(actor=other, province=world["a"]["province"], year=LAST_YEAR)
    assert not YearClosure.objects.exists()


def test_editing_a_closed_year_needs_a_reason_and_is_kept(world, secretary, staff):
    branch = world["a"]["branch1"]
    member = MemberFactory(branch=branch)
    activity = lecture(secretary, branch)
    services.attendance_save(actor=secretary, activity=activity)
    services.year_close(actor=staff, province=world["a"]["province"], year=LAST_YEAR)

    absent = {member.pk: {"status": "absent"}}
    for reason in ("", "  ", "补"):
        with pytest.raises(ValidationError) as excinfo:
            services.attendance_save(
                actor=secretary, activity=activity, exceptions=absent, reason=reason
            )
        assert str(LAST_YEAR) in excinfo.value.message_dict["reason"][0]
    # Nothing saved.
    assert Attendance.objects.get(activity=activity, member=member).status == "present"
    assert YearlyTotal.objects.get(member=member, year=LAST_YEAR).hours == 4
    assert not LateCorrection.objects.exists()

    services.attendance_save(
        actor=secretary, activity=activity, exceptions=absent, reason="签到表漏记缺席"
    )
    assert YearlyTotal.objects.get(member=member, year=LAST_YEAR).hours == 0
    correction = LateCorrection.objects.get()
    assert (correction.activity, correction.year, correction.actor) == (
        activity,
        LAST_YEAR,
        secretary,
    )
    assert Context.objects.filter(metadata__reason="签到表漏记缺席").exists()

    # An open year needs no reason.
    services.attendance_save(actor=secretary, activity=lecture(secretary, branch, year=2026))
    assert LateCorrection.objects.count() == 1


def test_a_late_activity_and_late_self_study_need_a_reason(world, secretary, staff):
    branch = world["a"]["branch1"]
    member = MemberFactory(branch=branch)
    services.year_close(actor=staff, province=world["a"]["province"], year=LAST_YEAR)
    with pytest.raises(ValidationError) as excinfo:
        lecture(secretary, branch)
    assert "reason" in excinfo.value.message_dict
    activity = lecture(secretary, branch, reason="补录去年12月党课")
    assert LateCorrection.objects.get().activity == activity

    on = datetime.date(LAST_YEAR, 12, 1)
    with pytest.raises(ValidationError) as excinfo:
        services.self_study_add(actor=secretary, member=member, on=on, hours=2, material="党章")
    assert "reason" in excinfo.value.message_dict
    assert not SelfStudy.objects.exists()
    record = services.self_study_add(
        actor=secretary, member=member, on=on, hours=2, material="党章", reason="本人补报记录"
    )
    assert YearlyTotal.objects.get(member=member, year=LAST_YEAR).self_study_hours == 2
    assert Context.objects.filter(metadata__reason="本人补报记录").exists()
    with pytest.raises(ValidationError):
        services.self_study_delete(actor=secretary, record=record)
    services.self_study_delete(actor=secretary, record=record, reason="重复录入")
    assert YearlyTotal.objects.get(member=member, year=LAST_YEAR).self_study_hours == 0


def test_year_is_closed_is_one_query(world, staff, django_assert_num_queries):
    services.year_close(actor=staff, province=world["a"]["province"], year=LAST_YEAR)
    branch = world["a"]["branch1"]
    with django_assert_num_queries(1):
        assert year_is_closed(branch, LAST_YEAR)


def test_closures_page_closes_a_year_and_lists_corrections(
    client,
    world,
    secretary,
    staff,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    branch = world["a"]["branch1"]
    MemberFactory(branch=branch)
    activity = lecture(secretary, branch)
    services.attendance_save(actor=secretary, activity=activity)
    login = UserFactory(username="zj_staff")
    RoleAssignmentFactory(user=login, role=Role.ORG_STAFF, organization=world["a"]["province"])
    client.force_login(login)
    url = reverse("education:closures", args=[branch.pk])
    close = reverse("education:year-close", args=[branch.pk])
    assert close in client.get(url).content.decode()
    # Without the confirmation nothing happens.
    client.post(close, {"year": LAST_YEAR})
    assert not YearClosure.objects.exists()
    # The page queues the close; a worker recomputes the totals and closes it.
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(close, {"year": LAST_YEAR, "confirm": "on"}, follow=True)
    assert "已开始" in response.content.decode() and not YearClosure.objects.exists()
    assert len(queued) == 1
    tasks.close_education_year(world["a"]["province"].pk, LAST_YEAR, login.pk)
    assert YearClosure.objects.get().closed_by == login

    # The secretary: sees the closed year, corrects with a reason, no close button.
    client.force_login(secretary)
    page = client.get(reverse("education:attendance", args=[activity.pk])).content.decode()
    assert 'name="correction_reason"' in page
    refused = client.post(reverse("education:attendance", args=[activity.pk]), {})
    assert refused.status_code == 200 and not LateCorrection.objects.exists()
    client.post(
        reverse("education:attendance", args=[activity.pk]),
        {"correction_reason": "补录签到表"},
    )
    assert LateCorrection.objects.count() == 1
    for i in range(5):
        services.attendance_save(actor=secretary, activity=activity, reason=f"第{i}次更正")
    with django_assert_max_num_queries(12):
        html = client.get(url).content.decode()
    assert str(LAST_YEAR) in html and "补录签到表" in html and close not in html
    assert client.post(close, {"year": LAST_YEAR, "confirm": "on"}).status_code == 404
    other = reverse("education:closures", args=[world["b"]["branch1"].pk])
    assert client.get(other).status_code == 404


def test_the_api_closes_and_lists_years(
    world, secretary, staff, eager_celery, django_capture_on_commit_callbacks
):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(staff)
    body = {"province": world["a"]["province"].pk, "year": LAST_YEAR}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/education-closures/", body, format="json")
    assert first.status_code == 202 and first.json()["status"] == "queued"
    closure = YearClosure.objects.get(year=LAST_YEAR)  # the worker has run
    assert closure.closed_by == staff
    again = api.post("/api/v1/education-closures/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == closure.pk
    now = api.post("/api/v1/education-closures/", body | {"year": 2026}, format="json")
    assert now.status_code == 400 and "2026" in now.json()["year"][0]
    api.force_authenticate(secretary)
    assert api.post("/api/v1/education-closures/", body, format="json").status_code == 404
    rows = api.get(
        "/api/v1/education-closures/", {"organization": world["a"]["branch1"].pk}
    ).json()["results"]
    assert [r["year"] for r in rows] == [LAST_YEAR]
    outside = api.get("/api/v1/education-closures/", {"organization": world["b"]["branch1"].pk})
    assert outside.status_code == 404


def test_a_guest_from_a_province_with_a_closed_year_needs_a_reason(world, secretary, staff):
    from branches import services as branch_services

    guest = MemberFactory(branch=world["b"]["branch1"])
    branch_services.grant_object_permission(actor=None, user=secretary, obj=guest, action="view")
    activity = lecture(secretary, world["a"]["branch1"])
    services.year_close(actor=None, province=world["b"]["province"], year=LAST_YEAR)
    with pytest.raises(ValidationError) as error:
        services.attendance_save(actor=secretary, activity=activity, guests={guest.pk: {}})
    assert "reason" in error.value.message_dict
    assert not Attendance.objects.filter(member=guest).exists()
    services.attendance_save(
        actor=secretary, activity=activity, guests={guest.pk: {}}, reason="外省党员补录"
    )
    assert YearlyTotal.objects.get(member=guest, year=LAST_YEAR).hours == Decimal(4)
    assert LateCorrection.objects.get().reason == "外省党员补录"


def test_closing_waits_for_a_change_in_flight(world, secretary, staff):
    """A change of the year holds the lock shared; the close takes it exclusive."""
    from django.db import connection

    from education.services import _year_lock_key, lock_education_year

    province = world["a"]["province"]
    lock_education_year([province.pk], LAST_YEAR)  # a change in flight holds it shared
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' "
            "AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = %s",
            [_year_lock_key(province.pk, LAST_YEAR)],  # signed, as PostgreSQL reads it
        )
        assert cursor.fetchone()[0] == 1
