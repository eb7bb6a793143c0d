"""Objects of spot-checks and inspections for the generic URL walk (tests/test_scope_walk.py).

`add_inspections(a, b, user)`: a spot-check organised by a["county"] that
drew only a["branch1"] with the walker as its inspector (in reach through the
draw's grants: the check, its unit and the finding), one organised by
b["county"] (out of reach), and inspections organised by a["township"]
covering a["branch1"] (in reach through a view grant; the finding on the
walker's branch is in reach anyway) and by b["county"] (out of reach)."""

import datetime

from django.utils import timezone

from accountability.inspections import draw, services
from accountability.inspections.models import SpotCheckUnit
from branches.models import Role
from branches.services import grant_object_permission
from tests.factories import RoleAssignmentFactory, UserFactory


def _seed_drawing(organizer, branch) -> int:
    """A seed whose one-branch draw picks `branch` (the draw is a pure function)."""
    population = services.population_of(organizer)
    for seed in range(1000):
        if [b for ids in draw.run(seed, population, 1, 0)["branches"].values() for b in ids] == [
            branch.pk
        ]:
            return seed
    raise AssertionError("no seed draws the branch")


def _spot_check(organizer, branch, inspectors):
    by = UserFactory()
    RoleAssignmentFactory(user=by, role=Role.ORG_STAFF, organization=organizer)
    today = timezone.localdate()
    check = services.spot_check_define(
        actor=by,
        organizing_org=organizer,
        year=today.year,
        title=f"抽查 {organizer.pk}",
        branch_sample=1,
        members_per_branch=1,
        period_start=today,
        period_end=today + datetime.timedelta(days=30),
        inspectors=inspectors,
    )
    seed = _seed_drawing(organizer, branch)
    check = services.spot_check_draw(actor=by, spot_check=check, seed=seed)
    unit = SpotCheckUnit.objects.get(spot_check=check)
    assert unit.branch == branch
    services.finding_record(
        actor=by,
        unit=unit,
        problem="记录不全",
        required="补全",
        severity="minor",
        deadline=today + datetime.timedelta(days=10),
    )
    return check


def _inspection(organizer, branch):
    by = UserFactory()
    RoleAssignmentFactory(user=by, role=Role.ORG_STAFF, organization=organizer)
    today = timezone.localdate()
    inspection = services.inspection_create(
        actor=by,
        organizing_org=organizer,
        kind="supervision",
        title="督查",
        period_start=today,
        period_end=today,
        organizations=[branch],
        items=["三会一课"],
    )
    services.inspection_finding_record(
        actor=by,
        inspection=inspection,
        organization=branch,
        problem="记录不全",
        required="补全",
        severity="minor",
        deadline=today + datetime.timedelta(days=10),
    )
    return inspection


def add_inspections(a, b, user):
    _spot_check(a["county"], a["branch1"], [user])  # the walker inspects a["branch1"]
    _spot_check(b["county"], b["branch1"], [])
    own = _inspection(a["township"], a["branch1"])
    # The walker holds no role on the township: a workflow grant on the
    # inspection puts one inspection in reach, so its pages are walked.
    grant_object_permission(actor=None, user=user, obj=own, action="view")
    _inspection(b["county"], b["branch1"])
