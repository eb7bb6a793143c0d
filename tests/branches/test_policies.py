"""Policy figures: document defaults, overrides per subtree and period."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from branches import services
from branches.models import PolicyOverride
from branches.policies import (
    POLICIES,
    get_policy,
    policies_for_organizations,
    policies_in_force,
    policy_in_force,
)
from tests.factories import ActorFactory, PolicyOverrideFactory, province_tree

pytestmark = pytest.mark.django_db

D = datetime.date
ON = D(2025, 6, 1)
LONG_AGO = D(2020, 1, 1)


@pytest.fixture
def a():
    return province_tree("A")


@pytest.fixture
def b():
    return province_tree("B")


@pytest.fixture
def admin():
    return ActorFactory(is_superuser=True)


def set_policy(actor, organization, key, value, valid_from=LONG_AGO, valid_to=None):
    return services.policy_override_set(
        actor=actor,
        organization=organization,
        key=key,
        value=value,
        valid_from=valid_from,
        valid_to=valid_to,
    )


# --- defaults ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("education_days_cadre_sectors", 12),
        ("education_days_other_sectors", 6),
        ("education_hours_per_day", "8"),
        ("self_study_counts", "no"),
        ("commitments_min_per_year", 1),
        ("commitments_max_per_year", 2),
        ("research_months_provincial", 1),
        ("research_months_city_county", 2),
        ("mobile_reports_per_year", 1),
        ("mobile_dues_period", "monthly"),
    ],
)
def test_defaults_are_the_document_figures(a, key, expected):
    assert policy_in_force(a["branch1"], key, ON) == expected
    assert policies_in_force(a["branch1"], ON)[key] == expected


def test_every_default_is_valid_for_its_own_definition(a):
    figures = policies_in_force(a["branch1"], ON)
    assert set(figures) == set(POLICIES)
    for key, policy in POLICIES.items():
        assert policy.clean(policy.default) == figures[key]


def test_default_date_is_today(a, admin):
    set_policy(admin, a["province"], "spot_checks_per_year", 3, valid_from=D(2000, 1, 1))
    assert policy_in_force(a["branch1"], "spot_checks_per_year") == 3
    assert policies_in_force(a["branch1"])["spot_checks_per_year"] == 3


# --- overrides along the tree --------------------------------------------------------


def test_province_override_reaches_its_descendants_not_the_other_province(a, b, admin):
    set_policy(admin, a["province"], "education_days_other_sectors", 8)
    for org in a.values():
        assert policy_in_force(org, "education_days_other_sectors", ON) == 8
        assert policies_in_force(org, ON)["education_days_other_sectors"] == 8
    for org in b.values():
        assert policy_in_force(org, "education_days_other_sectors", ON) == 6
        assert policies_in_force(org, ON)["education_days_other_sectors"] == 6
    # Other figures are untouched.
    assert policy_in_force(a["branch1"], "education_days_cadre_sectors", ON) == 12


def test_override_below_does_not_reach_up_or_sideways(a, admin):
    set_policy(admin, a["branch1"], "commitments_max_per_year", 3)
    assert policy_in_force(a["branch1"], "commitments_max_per_year", ON) == 3
    for key in ("branch2", "township", "province"):
        assert policy_in_force(a[key], "commitments_max_per_year", ON) == 2


def test_deeper_override_wins_over_a_shallower_one(a, admin):
    set_policy(admin, a["province"], "education_days_other_sectors", 8)
    set_policy(admin, a["county"], "education_days_other_sectors", 10)
    set_policy(admin, a["city"], "education_days_other_sectors", 9)
    expected = {"province": 8, "city": 9, "county": 10, "township": 10, "branch1": 10}
    for key, value in expected.items():
        assert policy_in_force(a[key], "education_days_other_sectors", ON) == value, key
        assert policies_in_force(a[key], ON)["education_days_other_sectors"] == value, key


def test_a_deeper_override_out_of_its_period_falls_back_to_the_shallower(a, admin):
    set_policy(admin, a["province"], "mobile_dues_period", "quarterly")
    set_policy(admin, a["county"], "mobile_dues_period", "monthly", D(2024, 1, 1), D(2024, 12, 31))
    assert policy_in_force(a["branch1"], "mobile_dues_period", D(2024, 6, 1)) == "monthly"
    assert policy_in_force(a["branch1"], "mobile_dues_period", D(2025, 1, 1)) == "quarterly"
    assert policies_in_force(a["branch1"], D(2025, 1, 1))["mobile_dues_period"] == "quarterly"


def test_override_follows_the_organisation_when_it_moves(a, b, admin):
    set_policy(admin, a["province"], "research_months_city_county", 3)
    assert policy_in_force(a["branch1"], "research_months_city_county", ON) == 3
    services.organization_move(actor=admin, organization=a["county"], new_parent=b["city"])
    a["branch1"].refresh_from_db()
    assert policy_in_force(a["branch1"], "research_months_city_county", ON) == 2


# --- periods ------------------------------------------------------------------------


def test_validity_period_boundaries_are_inclusive(a, admin):
    key = "leader_lectures_per_year"
    set_policy(admin, a["county"], key, 4, D(2024, 3, 1), D(2024, 8, 31))
    org = a["branch2"]
    assert policy_in_force(org, key, D(2024, 2, 29)) == 1  # the day before
    assert policy_in_force(org, key, D(2024, 3, 1)) == 4  # valid_from
    assert policy_in_force(org, key, D(2024, 8, 31)) == 4  # valid_to
    assert policy_in_force(org, key, D(2024, 9, 1)) == 1  # the day after
    assert policies_in_force(org, D(2024, 3, 1))[key] == 4
    assert policies_in_force(org, D(2024, 8, 31))[key] == 4
    assert policies_in_force(org, D(2024, 9, 1))[key] == 1


def test_adjacent_periods_are_allowed_and_each_applies_on_its_days(a, admin):
    key = "education_days_cadre_sectors"
    set_policy(admin, a["province"], key, 14, D(2024, 1, 1), D(2024, 12, 31))
    set_policy(admin, a["province"], key, 16, D(2025, 1, 1))
    assert policy_in_force(a["branch1"], key, D(2024, 12, 31)) == 14
    assert policy_in_force(a["branch1"], key, D(2025, 1, 1)) == 16
    assert policy_in_force(a["branch1"], key, D(2030, 1, 1)) == 16


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((D(2024, 1, 1), D(2024, 12, 31)), (D(2024, 12, 31), None)),  # one shared day
        ((D(2024, 1, 1), None), (D(2030, 1, 1), D(2030, 2, 1))),  # inside an open one
        ((D(2024, 6, 1), D(2024, 6, 30)), (D(2024, 1, 1), D(2024, 12, 31))),  # around
    ],
)
def test_overlapping_overrides_for_the_same_org_and_key_are_refused(a, admin, first, second):
    key = "education_days_other_sectors"
    set_policy(admin, a["county"], key, 8, *first)
    with pytest.raises(ValidationError):
        set_policy(admin, a["county"], key, 9, *second)
    assert PolicyOverride.objects.count() == 1
    # The same period on another key, or on another organisation, is fine.
    set_policy(admin, a["county"], "education_days_cadre_sectors", 13, *second)
    set_policy(admin, a["township"], key, 9, *second)


def test_database_refuses_overlapping_overrides_without_the_service(a):
    key = "education_days_other_sectors"
    PolicyOverrideFactory(organization=a["city"], key=key, value=8, valid_from=D(2024, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyOverrideFactory(
            organization=a["city"],
            key=key,
            value=9,
            valid_from=D(2025, 1, 1),
            valid_to=D(2025, 12, 31),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyOverrideFactory(
            organization=a["city"], key=key, valid_from=D(2024, 2, 1), valid_to=D(2024, 1, 1)
        )
    assert PolicyOverride.objects.count() == 1


# --- bad values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("education_days_other_sectors", "abc"),
        ("education_days_other_sectors", -1),
        ("education_days_other_sectors", 0),  # minimum 1
        ("education_days_other_sectors", 1.5),
        ("education_days_other_sectors", "1.5"),
        ("education_days_other_sectors", ""),
        ("education_days_other_sectors", None),
        ("education_days_other_sectors", "NaN"),
        ("education_days_other_sectors", "Infinity"),
        ("education_hours_per_day", "abc"),
        ("education_hours_per_day", "0.5"),
        ("education_hours_per_day", "Infinity"),
        ("mobile_dues_period", "weekly"),
        ("mobile_dues_period", 1),
        ("self_study_counts", True),
    ],
)
def test_bad_values_are_refused_naming_the_policy(a, admin, key, value):
    label = str(get_policy(key).label)
    with pytest.raises(ValidationError) as excinfo:
        get_policy(key).clean(value)
    assert label in " ".join(excinfo.value.messages)
    with pytest.raises(ValidationError) as excinfo:
        set_policy(admin, a["county"], key, value)
    assert set(excinfo.value.message_dict) == {"value"}
    assert label in " ".join(excinfo.value.message_dict["value"])
    assert not PolicyOverride.objects.exists()


@pytest.mark.parametrize(
    ("key", "raw", "stored"),
    [
        ("education_days_other_sectors", "8", 8),
        ("education_days_other_sectors", 8.0, 8),
        ("education_hours_per_day", "7.50", "7.5"),
        ("education_hours_per_day", 6, "6"),
        ("commitments_min_per_year", 0, 0),
        ("mobile_dues_period", "quarterly", "quarterly"),
    ],
)
def test_good_values_are_normalised(a, admin, key, raw, stored):
    override = set_policy(admin, a["county"], key, raw)
    assert PolicyOverride.objects.get(pk=override.pk).value == stored
    assert policy_in_force(a["branch1"], key, ON) == stored


def test_unknown_policy_key_is_refused(a, admin):
    with pytest.raises(ValidationError):
        set_policy(admin, a["county"], "no_such_policy", 1)
    with pytest.raises(ValidationError):
        policy_in_force(a["county"], "no_such_policy", ON)


# --- cost ---------------------------------------------------------------------------


def test_policies_in_force_is_one_query(a, admin, django_assert_num_queries):
    set_policy(admin, a["province"], "education_days_other_sectors", 8)
    set_policy(admin, a["county"], "education_days_other_sectors", 10)
    set_policy(admin, a["township"], "mobile_dues_period", "quarterly")
    set_policy(admin, a["city"], "education_hours_per_day", "7.5", D(2020, 1, 1), D(2020, 12, 31))
    with django_assert_num_queries(1):
        figures = policies_in_force(a["branch1"], ON)
    assert figures["education_days_other_sectors"] == 10
    assert figures["mobile_dues_period"] == "quarterly"
    assert figures["education_hours_per_day"] == "8"
    assert figures["education_days_cadre_sectors"] == 12


def test_figures_for_many_organisations_in_one_query_match_one_by_one(
    a, b, admin, django_assert_num_queries
):
    set_policy(admin, a["province"], "education_days_other_sectors", 8)
    set_policy(admin, a["county"], "education_days_other_sectors", 10)
    set_policy(admin, a["branch2"], "self_study_counts", "yes")
    set_policy(admin, b["city"], "mobile_dues_period", "monthly", D(2024, 1, 1), D(2024, 12, 31))
    orgs = [*a.values(), *b.values()]
    for on in (ON, D(2024, 6, 1)):
        with django_assert_num_queries(1):
            figures = policies_for_organizations(orgs, on)
        for org in orgs:
            assert figures[org.pk] == policies_in_force(org, on), org.name
    assert figures[a["branch1"].pk]["education_days_other_sectors"] == 10
    assert figures[a["branch2"].pk]["self_study_counts"] == "yes"
