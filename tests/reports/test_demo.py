"""The demo report of 西湖区: built once, left alone afterwards."""

import pytest
from django.utils import timezone

from branches.models import OrgKind, OrgLevel, Role
from reports.demo import ORG_CODE, REQUESTER, ensure_year_end_reports
from reports.models import YearEndReport
from tests.factories import OrganizationFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_demo_report_is_built_once():
    province = OrganizationFactory(
        code="ZJ", name="浙江省", kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.PROVINCE
    )
    district = OrganizationFactory(
        code=ORG_CODE,
        name="西湖区",
        parent=province,
        kind=OrgKind.LOCAL_COMMITTEE,
        level=OrgLevel.COUNTY,
    )
    staff = UserFactory(username=REQUESTER)
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=district)

    assert ensure_year_end_reports(0) == 1
    report = YearEndReport.objects.get()
    assert (report.organization, report.year) == (district, timezone.localdate().year - 1)
    assert report.status == "done" and report.pdf and report.xlsx
    assert report.requested_by == staff
    assert ensure_year_end_reports(0) == 0
    assert YearEndReport.objects.get().generation == 1


def test_without_the_district_nothing_is_made():
    assert ensure_year_end_reports(0) == 0
    assert not YearEndReport.objects.exists()
