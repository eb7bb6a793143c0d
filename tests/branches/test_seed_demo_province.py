"""The province-scale member load, apart from the small seed of test_seed_demo."""

import pytest

from branches.models import OrgKind

pytestmark = pytest.mark.django_db


def test_province_members_are_copied_in_bulk_and_the_audit_trigger_comes_back(settings):
    from branches.models import OrgLevel
    from members.demo import ensure_province_members
    from members.models import Member
    from tests.factories import MemberFactory, OrganizationFactory

    settings.DEBUG = True
    root = OrganizationFactory(code="CN", level=OrgLevel.CENTRAL, kind=OrgKind.LOCAL_COMMITTEE)
    province = OrganizationFactory(
        code="SD", parent=root, level=OrgLevel.PROVINCE, kind=OrgKind.LOCAL_COMMITTEE
    )
    branches = [OrganizationFactory(parent=province, kind=OrgKind.BRANCH) for _ in range(3)]

    assert ensure_province_members(7, per_branch=4) == 12
    assert ensure_province_members(7, per_branch=4) == 0, "a second run adds nobody"
    members = Member.objects.filter(province=province)
    assert members.count() == 12
    assert {m.branch_id for m in members} == {b.pk for b in branches}
    assert all("*" in m.id_number_masked for m in members)
    later = MemberFactory(branch=branches[0])
    assert Member.pgh_event_model.objects.filter(pgh_obj=later, pgh_label="insert").exists()
