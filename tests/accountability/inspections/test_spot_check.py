"""Random spot-checks (document 3 四: 省级组织部门每年进行抽查; document 4 四)."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from accountability.inspections import draw, selectors, services
from accountability.inspections.models import SpotCheckFinding, SpotCheckUnit
from accountability.models import RectificationOrder
from branches.models import Organization
from branches.services import purge_expired_grants
from education.models import Activity
from members.models import Member

from .conftest import define

pytestmark = pytest.mark.django_db


POPULATION = {
    "strata": [
        {"key": "1|rural|lt10", "area": 1, "sector": "rural", "band": "lt10", "ids": [5, 3, 9, 7]},
        {
            "key": "2|community|10to49",
            "area": 2,
            "sector": "community",
            "band": "10to49",
            "ids": [11, 12],
        },
        {
            "key": "2|rural|lt10",
            "area": 2,
            "sector": "rural",
            "band": "lt10",
            "ids": list(range(20, 40)),
        },
    ],
    "members": {},
}


def test_same_seed_and_population_give_the_same_draw():
    first = draw.run(42, POPULATION, 6, 0)
    assert draw.run(42, POPULATION, 6, 0) == first
    shuffled = {"strata": [dict(s, ids=list(reversed(s["ids"]))) for s in POPULATION["strata"]]}
    assert draw.run(42, shuffled, 6, 0) == first  # the order of the stored ids does not matter
    assert any(draw.run(seed, POPULATION, 6, 0) != first for seed in (1, 2, 3))


def test_allocation_is_proportional_with_one_per_non_empty_stratum():
    allocation = draw.allocate({"a": 4, "b": 2, "c": 20, "d": 0}, 6)
    assert allocation == {"a": 1, "b": 1, "c": 4, "d": 0}
    assert sum(allocation.values()) == 6
    # n = 13 of N = 26: exactly half of each stratum
    assert draw.allocate({"a": 4, "b": 2, "c": 20}, 13) == {"a": 2, "b": 1, "c": 10}
    # never more than a stratum holds; the sizes add up to N when n > N
    assert draw.allocate({"a": 1, "b": 2}, 10) == {"a": 1, "b": 2}
    with pytest.raises(ValueError):
        draw.allocate({"a": 1, "b": 2, "c": 3}, 2)


def test_draw_stores_seed_population_and_units(spot):
    check = define(spot, branch_sample=3)
    check = services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=7)
    assert check.status == "drawn" and check.seed == 7
    population = {b for s in check.population["strata"] for b in s["ids"]}
    # branches of the province, not dissolved, not another province's
    assert population == {spot["a"]["branch1"].pk, spot["a"]["branch2"].pk, spot["community"].pk}
    keys = [s["key"] for s in check.population["strata"]]
    assert f"{spot['city2'].pk}|community|10to49" in keys
    units = list(check.units.order_by("position"))
    assert len(units) == 3
    for unit in units:
        assert unit.members.count() == min(2, len(spot["members"][unit.branch]))
        assert set(unit.members.all()) <= set(spot["members"][unit.branch])
        assert unit.entries.count() == 5
    assert services.spot_check_verify(check)["matches"]


def test_draw_with_generated_seed_and_not_twice(spot):
    check = define(spot)
    check = services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check)
    assert 0 <= check.seed < 2**63
    with pytest.raises(ValidationError) as error:
        services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=1)
    assert "status" in error.value.message_dict
    assert SpotCheckUnit.objects.filter(spot_check=check).count() == 2


def test_sample_smaller_than_the_strata_is_refused(spot):
    check = define(spot, branch_sample=1)  # 2 strata: 川市 rural <10, 川二市 community 10-49
    with pytest.raises(ValidationError) as error:
        services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=1)
    assert "branch_sample" in error.value.message_dict
    check.refresh_from_db()
    assert check.status == "defined" and not check.units.exists()


def test_verify_detects_a_tampered_population(spot):
    check = define(spot)
    check = services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=11)
    stratum = check.population["strata"][0]
    stratum["ids"] = [*stratum["ids"][:1], 999999]
    check.save(update_fields=["population"])
    result = services.spot_check_verify(check)
    assert not result["matches"] and not result["digest_ok"]


def test_verify_detects_a_changed_unit(spot):
    check = define(spot, branch_sample=3)
    check = services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=5)
    unit = check.units.filter(members__isnull=False).first()
    unit.members.remove(unit.members.first())
    assert not services.spot_check_verify(check)["draw_ok"]


def _visible(user):
    return set(Organization.objects.visible_to(user).values_list("pk", flat=True))


def test_inspector_sees_exactly_the_drawn_units_until_expiry(spot):
    inspector = spot["u"]["inspector"]
    assert _visible(inspector) == set()
    check = define(spot, branch_sample=2)
    check = services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=3)
    drawn = set(check.units.values_list("branch_id", flat=True))
    assert _visible(inspector) == drawn
    drawn_members = set(Member.objects.filter(branch_id__in=drawn).values_list("pk", flat=True))
    assert set(Member.objects.visible_to(inspector).values_list("pk", flat=True)) == drawn_members
    assert set(selectors.inspector_units(inspector).values_list("branch_id", flat=True)) == drawn
    assert list(selectors.spot_checks_for(inspector)) == [check]
    # the drawn branch's records are visible; another branch's are not
    inside = Activity.objects.create(
        **_activity(Organization.objects.get(pk=min(drawn)), spot["u"]["staff"])
    )
    outside_branch = spot["b"]["branch1"]
    outside = Activity.objects.create(**_activity(outside_branch, spot["u"]["staff_b"]))
    visible = set(Activity.objects.visible_to(inspector).values_list("pk", flat=True))
    assert inside.pk in visible and outside.pk not in visible
    # after the access end: nothing, at once, and the grants are purged
    later = check.access_expires_at + datetime.timedelta(seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert _visible(inspector) == set()
        assert not Member.objects.visible_to(inspector).exists()
        assert not selectors.spot_checks_for(inspector).exists()
        drawn_sampled = sum(u.members.count() for u in check.units.all())
        assert purge_expired_grants() == 1 + 2 * len(drawn) + drawn_sampled  # check, units
    assert _visible(inspector) == set()


def _activity(org, by):
    from education.models import ActivityKind

    return {
        "organization": org,
        "kind": ActivityKind.LECTURE,
        "title": "党课",
        "starts_at": timezone.now(),
        "hours": 2,
        "created_by": by,
    }


def test_closing_revokes_the_grants(spot):
    check = define(spot)
    check = services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=3)
    assert _visible(spot["u"]["inspector"])
    services.spot_check_close(actor=spot["u"]["staff"], spot_check=check)
    assert _visible(spot["u"]["inspector"]) == set()
    assert not Member.objects.visible_to(spot["u"]["inspector"]).exists()
    unit = check.units.first()
    with pytest.raises((Http404, ValidationError)):
        services.checklist_record(
            actor=spot["u"]["inspector"], unit=unit, results={"dues": ("compliant", "")}
        )


def test_inspector_records_checklist_and_finding_staff_issues_one_order(spot):
    check = define(spot)
    check = services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=3)
    unit = check.units.first()
    inspector = spot["u"]["inspector"]
    services.checklist_record(
        actor=inspector, unit=unit, results={"dues": ("noncompliant", "两人欠交")}
    )
    check.refresh_from_db()
    assert check.status == "in_progress"
    assert unit.entries.get(item="dues").result == "noncompliant"
    finding = services.finding_record(
        actor=inspector,
        unit=unit,
        problem="党费收缴台账不全",
        required="补全台账",
        severity="serious",
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    assert finding.order is None  # the inspector cannot issue for the province
    order = services.finding_issue_order(actor=spot["u"]["staff"], finding=finding)
    again = services.finding_issue_order(actor=spot["u"]["staff"], finding=finding)
    assert order == again
    assert RectificationOrder.objects.filter(source_kind="spot_check").count() == 1
    assert order.organization == unit.branch and order.issued_by_org == spot["a"]["province"]
    assert check.title in order.source_ref and unit.branch.name in order.source_ref
    finding.refresh_from_db()
    assert finding.order == order


def test_staff_finding_issues_its_order_at_once_and_branch_sees_it(spot):
    check = define(spot, branch_sample=3)
    check = services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=3)
    unit = check.units.get(branch=spot["a"]["branch1"])
    finding = services.finding_record(
        actor=spot["u"]["staff"],
        unit=unit,
        problem="三会一课记录不全",
        required="补全记录",
        severity="minor",
        deadline=timezone.localdate() + datetime.timedelta(days=10),
    )
    assert finding.order is not None and finding.order.status == "issued"
    secretary = spot["u"]["secretary"]
    assert list(SpotCheckFinding.objects.visible_to(secretary)) == [finding]
    assert not SpotCheckUnit.objects.visible_to(secretary).exists()  # the checklist is not theirs


def test_finding_fields_are_named(spot):
    check = define(spot)
    check = services.spot_check_draw(actor=spot["u"]["staff"], spot_check=check, seed=3)
    unit = check.units.first()
    with pytest.raises(ValidationError) as error:
        services.finding_record(
            actor=spot["u"]["staff"],
            unit=unit,
            problem=" ",
            required="x",
            severity="minor",
            deadline=timezone.localdate(),
        )
    assert "problem" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.finding_record(
            actor=spot["u"]["staff"],
            unit=unit,
            problem="x",
            required="x",
            severity="minor",
            deadline=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert "deadline" in error.value.message_dict
    assert not SpotCheckFinding.objects.exists()


def test_another_province_staff_cannot_define_or_draw(spot):
    with pytest.raises(Http404):
        define(spot, actor=spot["u"]["staff_b"])
    check = define(spot)
    with pytest.raises(Http404):
        services.spot_check_draw(actor=spot["u"]["staff_b"], spot_check=check)
    assert not selectors.spot_checks_for(spot["u"]["staff_b"]).exists()


def test_define_names_bad_fields(spot):
    with pytest.raises(ValidationError) as error:
        define(spot, branch_sample=0)
    assert "branch_sample" in error.value.message_dict
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        define(spot, period_end=today - datetime.timedelta(days=1))
    assert "period_end" in error.value.message_dict
    define(spot)
    with pytest.raises(ValidationError) as error:
        define(spot)
    assert "title" in error.value.message_dict
