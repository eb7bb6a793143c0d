"""Asking for a year-end report: access inside the transaction, a new
generation each time, the task queued after commit, bad years refused."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from pghistory.models import Events

from reports import services
from reports.models import YearEndReport

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def test_request_creates_the_report_and_queues_the_build_after_commit(
    world, queued, django_capture_on_commit_callbacks
):
    county = world["a"]["county"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = services.year_end_report_request(
            actor=world["staff"], organization=county, year=YEAR
        )
    assert queued == []  # nothing sent before the commit
    for callback in callbacks:
        callback()
    assert queued == [(report.pk, 1)]
    assert (report.status, report.progress, report.generation) == ("queued", 0, 1)
    assert report.requested_by == world["staff"]
    event = Events.objects.filter(pgh_obj_model="reports.YearEndReport").latest("pgh_created_at")
    assert event.pgh_context["action"] == "year_end_report_request"
    assert event.pgh_context["user"] == world["staff"].pk


def test_asking_again_bumps_the_generation_and_requeues_one_report(
    world, queued, django_capture_on_commit_callbacks
):
    county = world["a"]["county"]
    with django_capture_on_commit_callbacks(execute=True):
        first = services.year_end_report_request(
            actor=world["staff"], organization=county, year=YEAR
        )
    YearEndReport.objects.filter(pk=first.pk).update(status="done", progress=100)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.year_end_report_request(
            actor=world["inspector"], organization=county, year=str(YEAR)
        )
    assert again.pk == first.pk
    assert YearEndReport.objects.filter(organization=county, year=YEAR).count() == 1
    assert queued == [(first.pk, 1), (first.pk, 2)]
    again.refresh_from_db()
    assert (again.status, again.progress, again.generation) == ("queued", 0, 2)
    assert again.requested_by == world["inspector"]


@pytest.mark.parametrize("year", [1999, 2005, "next", "abc", None, ""])
def test_a_bad_year_names_the_field_and_saves_nothing(world, queued, year):
    if year == "next":
        year = timezone.localdate().year + 1
    with pytest.raises(ValidationError) as error:
        services.year_end_report_request(
            actor=world["staff"], organization=world["a"]["county"], year=year
        )
    assert "year" in error.value.message_dict
    assert "2006" in error.value.message_dict["year"][0]
    assert not YearEndReport.objects.exists()
    assert queued == []


@pytest.mark.parametrize("who", ["other_county", "other_province", "branch_secretary", "member"])
def test_users_who_may_not_see_the_whole_subtree_get_404(world, queued, who):
    with pytest.raises(Http404):
        services.year_end_report_request(
            actor=world[who], organization=world["a"]["county"], year=YEAR
        )
    assert not YearEndReport.objects.exists()
    assert queued == []


def test_one_report_per_organisation_and_year_is_a_database_rule(world):
    from django.db import IntegrityError, transaction

    county = world["a"]["county"]
    fields = {"requested_by": world["staff"], "requested_at": timezone.now()}
    YearEndReport.objects.create(organization=county, year=YEAR, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        YearEndReport.objects.create(organization=county, year=YEAR, **fields)
