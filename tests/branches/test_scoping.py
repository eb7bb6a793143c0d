"""Who sees and may act on what: roles reach subtrees, grants add single objects."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from branches import scoping, services
from branches.models import (
    GuidanceEdge,
    Organization,
    OrgKind,
    OrgLevel,
    PolicyOverride,
    Role,
    RoleAssignment,
)
from tests.factories import (
    ActorFactory,
    GuidanceEdgeFactory,
    OrganizationFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

ALL_ACTIONS = scoping.ACTIONS


def today():
    return timezone.localdate()


@pytest.fixture
def world():
    """Two provinces A and B, each city → county → township → 2 branches;
    A has a second county with one branch beside the first."""
    a, b = province_tree("A"), province_tree("B")
    a["county2"] = OrganizationFactory(
        name="A二县", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    a["county2_branch"] = OrganizationFactory(name="A二县支部", parent=a["county2"])
    return {"A": a, "B": b}


def holder(role, organization, **kwargs):
    return RoleAssignmentFactory(role=role, organization=organization, **kwargs).user


def visible(user, action=scoping.VIEW, model=Organization):
    return set(model.objects.visible_to(user, action))


def subtree(org):
    return set(Organization.objects.within(org))


# --- roles ------------------------------------------------------------------------


def test_secretary_sees_own_branch_and_nothing_of_the_other_province(world):
    a, b = world["A"], world["B"]
    secretary = holder(Role.SECRETARY, a["branch1"])
    assert visible(secretary) == {a["branch1"]}
    assert visible(secretary, scoping.CHANGE) == {a["branch1"]}
    assert scoping.can(secretary, scoping.VIEW, a["branch1"])
    assert scoping.can(secretary, scoping.CHANGE, a["branch1"])
    assert not scoping.can(secretary, scoping.MANAGE_TREE, a["branch1"])
    for org in (a["branch2"], a["township"], *b.values()):
        assert not scoping.can(secretary, scoping.VIEW, org)


def test_a_role_reaches_the_whole_subtree(world):
    a = world["A"]
    secretary = holder(Role.SECRETARY, a["township"])
    assert visible(secretary) == {a["township"], a["branch1"], a["branch2"]}
    assert scoping.can(secretary, scoping.CHANGE, a["branch2"])


def test_county_org_staff_sees_the_county_subtree_not_the_sibling_county(world):
    a, b = world["A"], world["B"]
    staff = holder(Role.ORG_STAFF, a["county"])
    expected = {a["county"], a["township"], a["branch1"], a["branch2"]}
    for action in ALL_ACTIONS:
        assert visible(staff, action) == expected, action
    for org in (a["county2"], a["county2_branch"], a["city"], a["province"], *b.values()):
        assert not scoping.can(staff, scoping.VIEW, org)
    assert scoping.can(staff, scoping.MANAGE_POLICIES, a["branch2"])


def test_provincial_inspector_views_the_province_but_changes_nothing(world):
    a, b = world["A"], world["B"]
    inspector = holder(Role.INSPECTOR, a["province"])
    assert visible(inspector) == subtree(a["province"])
    assert len(visible(inspector)) == 8
    assert not visible(inspector, scoping.CHANGE)
    for org in subtree(a["province"]):
        assert scoping.can(inspector, scoping.VIEW, org)
        assert not scoping.can(inspector, scoping.CHANGE, org)
    assert not scoping.can(inspector, scoping.VIEW, b["branch1"])


def test_member_sees_exactly_its_own_branch(world):
    a = world["A"]
    member = holder(Role.MEMBER, a["branch1"])
    assert visible(member) == {a["branch1"]}
    assert scoping.can(member, scoping.VIEW, a["branch1"])
    assert not scoping.can(member, scoping.CHANGE, a["branch1"])
    assert not visible(member, scoping.CHANGE)


def test_member_of_a_general_branch_does_not_see_the_branches_below(world):
    a = world["A"]
    general = OrganizationFactory(parent=a["township"], kind=OrgKind.GENERAL_BRANCH)
    below = OrganizationFactory(parent=general)
    member = holder(Role.MEMBER, general)
    assert visible(member) == {general}
    assert not scoping.can(member, scoping.VIEW, below)


def test_superuser_sees_and_may_do_everything(world):
    admin = ActorFactory(is_superuser=True)
    everything = set(Organization.objects.all())
    for action in ALL_ACTIONS:
        assert visible(admin, action) == everything
        assert scoping.can(admin, action, world["B"]["branch2"])


def test_roles_on_two_subtrees_add_up(world):
    a, b = world["A"], world["B"]
    user = holder(Role.SECRETARY, a["branch1"])
    RoleAssignmentFactory(user=user, role=Role.ORG_STAFF, organization=b["county"])
    assert visible(user) == {a["branch1"]} | subtree(b["county"])
    assert visible(user, scoping.MANAGE_TREE) == subtree(b["county"])


def test_scope_follows_a_move(world):
    a, b = world["A"], world["B"]
    admin = ActorFactory(is_superuser=True)
    inspector_a = holder(Role.INSPECTOR, a["province"])
    inspector_b = holder(Role.INSPECTOR, b["province"])
    services.organization_move(actor=admin, organization=a["county"], new_parent=b["city"])
    moved = {a["county"], a["township"], a["branch1"], a["branch2"]}
    assert not visible(inspector_a) & moved
    assert moved <= visible(inspector_b)


# --- nobody, and roles out of their period -----------------------------------------


@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_a_user_without_roles_sees_nothing(world, action):
    nobody = ActorFactory()
    assert visible(nobody, action) == set()
    assert not scoping.can(nobody, action, world["A"]["branch1"])


@pytest.mark.parametrize("action", ALL_ACTIONS)
def test_anonymous_sees_nothing(world, action):
    assert visible(AnonymousUser(), action) == set()


@pytest.mark.parametrize(
    ("role", "action"),
    [
        (Role.SECRETARY, scoping.MANAGE_TREE),
        (Role.SECRETARY, scoping.MANAGE_ROLES),
        (Role.DEPUTY, scoping.MANAGE_POLICIES),
        (Role.INSPECTOR, scoping.MANAGE_TREE),
        (Role.MEMBER, scoping.MANAGE_ROLES),
    ],
)
def test_a_role_without_the_action_sees_nothing_for_it(world, role, action):
    org = world["A"]["province"] if role == Role.INSPECTOR else world["A"]["branch1"]
    user = holder(role, org)
    assert visible(user, action) == set()
    assert not scoping.can(user, action, org)


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [
        (datetime.date(2020, 1, 1), -1),  # ended yesterday
        (1, None),  # starts tomorrow
    ],
    ids=["expired", "future"],
)
def test_a_role_out_of_its_period_gives_nothing(world, valid_from, valid_to):
    def day(value):
        return today() + datetime.timedelta(days=value) if isinstance(value, int) else value

    a = world["A"]
    user = holder(Role.ORG_STAFF, a["county"], valid_from=day(valid_from), valid_to=day(valid_to))
    # (Actions the role would allow; for the manage_* actions see
    # test_a_user_without_roles_sees_nothing.)
    assert visible(user, scoping.VIEW) == set()
    assert visible(user, scoping.CHANGE) == set()
    for action in ALL_ACTIONS:
        assert not scoping.can(user, action, a["branch1"]), action
    with pytest.raises(Http404):
        scoping.require(user, scoping.CHANGE, a["branch1"])


def test_a_role_ending_today_still_counts_today(world):
    a = world["A"]
    user = holder(Role.SECRETARY, a["branch1"], valid_from=today(), valid_to=today())
    assert visible(user) == {a["branch1"]}


def test_a_deactivated_user_sees_nothing(world):
    a, b = world["A"], world["B"]
    user = holder(Role.ORG_STAFF, a["county"])
    services.grant_object_permission(actor=None, user=user, obj=b["county"], action="view")
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert visible(user) == set()
    assert not scoping.can(user, scoping.VIEW, a["county"])
    assert not scoping.can(user, scoping.VIEW, b["county"])


# --- require ----------------------------------------------------------------------


def test_require_404_when_invisible_403_when_visible_but_not_allowed(world):
    a, b = world["A"], world["B"]
    inspector = holder(Role.INSPECTOR, a["province"])
    assert scoping.require(inspector, scoping.VIEW, a["branch1"]) is None
    with pytest.raises(PermissionDenied):
        scoping.require(inspector, scoping.CHANGE, a["branch1"])
    with pytest.raises(Http404):
        scoping.require(inspector, scoping.CHANGE, b["branch1"])
    with pytest.raises(Http404):
        scoping.require(inspector, scoping.VIEW, b["branch1"])


# --- guardian grants ----------------------------------------------------------------


def test_a_view_grant_shows_exactly_that_one_organisation(world):
    a, b = world["A"], world["B"]
    secretary = holder(Role.SECRETARY, a["branch1"])
    services.grant_object_permission(actor=None, user=secretary, obj=b["county"], action="view")
    assert visible(secretary) == {a["branch1"], b["county"]}
    assert scoping.can(secretary, scoping.VIEW, b["county"])
    assert not scoping.can(secretary, scoping.VIEW, b["township"])  # not its subtree
    assert not scoping.can(secretary, scoping.CHANGE, b["county"])  # view only
    assert visible(secretary, scoping.CHANGE) == {a["branch1"]}
    with pytest.raises(PermissionDenied):
        scoping.require(secretary, scoping.CHANGE, b["county"])

    services.revoke_object_permission(actor=None, user=secretary, obj=b["county"], action="view")
    assert visible(secretary) == {a["branch1"]}
    assert not scoping.can(secretary, scoping.VIEW, b["county"])


def test_a_grant_to_a_user_without_roles(world):
    b = world["B"]
    nobody = ActorFactory()
    services.grant_object_permission(actor=None, user=nobody, obj=b["branch2"], action="view")
    assert visible(nobody) == {b["branch2"]}
    other = ActorFactory()
    assert visible(other) == set()


def test_an_expired_grant_is_gone_at_once(world):
    b = world["B"]
    nobody = ActorFactory()
    services.grant_object_permission(
        actor=None,
        user=nobody,
        obj=b["branch2"],
        action="view",
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    assert visible(nobody) == {b["branch2"]}
    services.grant_object_permission(
        actor=None,
        user=nobody,
        obj=b["branch2"],
        action="view",
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    assert visible(nobody) == set()
    assert not scoping.can(nobody, scoping.VIEW, b["branch2"])


def test_a_change_grant_counts_for_change(world):
    b = world["B"]
    nobody = ActorFactory()
    services.grant_object_permission(actor=None, user=nobody, obj=b["branch2"], action="change")
    assert visible(nobody, scoping.CHANGE) == {b["branch2"]}
    assert scoping.can(nobody, scoping.CHANGE, b["branch2"])


# --- other scoped models ------------------------------------------------------------


def test_role_assignments_policy_overrides_and_guidance_edges_follow_their_organisation(world):
    a, b = world["A"], world["B"]
    staff = holder(Role.ORG_STAFF, a["county"])
    own_role = RoleAssignment.objects.get(user=staff)

    inside_role = RoleAssignmentFactory(organization=a["branch1"])
    outside_roles = [
        RoleAssignmentFactory(organization=a["county2"]),
        RoleAssignmentFactory(organization=b["branch1"]),
        RoleAssignmentFactory(organization=a["province"], role=Role.INSPECTOR),
    ]
    assert visible(staff, model=RoleAssignment) == {own_role, inside_role}
    assert not visible(staff, model=RoleAssignment) & set(outside_roles)

    inside_policy = PolicyOverrideFactory(organization=a["township"])
    PolicyOverrideFactory(organization=a["province"])
    PolicyOverrideFactory(organization=b["township"])
    assert visible(staff, model=PolicyOverride) == {inside_policy}

    # GuidanceEdge is scoped by the guided organisation, whoever guides.
    guided_inside = GuidanceEdgeFactory(guide=b["county"], guided=a["branch1"])
    GuidanceEdgeFactory(guide=a["branch1"], guided=b["branch1"])
    GuidanceEdgeFactory(guide=a["county"], guided=a["county2"])
    assert visible(staff, model=GuidanceEdge) == {guided_inside}

    nobody = ActorFactory()
    for model in (RoleAssignment, PolicyOverride, GuidanceEdge):
        assert visible(nobody, model=model) == set()
    admin = ActorFactory(is_superuser=True)
    assert len(visible(admin, model=GuidanceEdge)) == 3


# --- cost ---------------------------------------------------------------------------


def test_visible_to_costs_a_fixed_number_of_queries(world, django_assert_num_queries):
    a = world["A"]
    secretary = holder(Role.SECRETARY, a["branch1"])
    RoleAssignmentFactory(user=secretary, role=Role.DEPUTY, organization=world["B"]["township"])
    ContentType.objects.get_for_model(Organization)  # warm the content-type cache

    with django_assert_num_queries(2):  # the user's roles, then the rows
        first = list(Organization.objects.visible_to(secretary))

    for prefix in ("C", "D", "E"):
        province_tree(prefix)
    OrganizationFactory.create_batch(20, parent=a["branch1"])
    with django_assert_num_queries(2):
        second = list(Organization.objects.visible_to(secretary))
    assert len(first) == 4
    assert len(second) == 24


def test_an_organisation_grant_reaches_its_own_records_not_its_subtree(world):
    from members.models import Member
    from tests.factories import MemberFactory

    b = world["B"]
    inside = MemberFactory(branch=b["branch1"])
    sibling = MemberFactory(branch=b["branch2"])
    below = OrganizationFactory(name="B支部1下属", parent=b["branch1"])
    deeper = MemberFactory(branch=below)
    nobody = ActorFactory()
    assert not Member.objects.visible_to(nobody).exists()

    services.grant_object_permission(
        actor=None,
        user=nobody,
        obj=b["branch1"],
        action="view",
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    # Not the sibling branch, nor the organisation below the granted one.
    assert set(Member.objects.visible_to(nobody)) == {inside}
    assert {sibling, deeper}.isdisjoint(Member.objects.visible_to(nobody))
    assert not Member.objects.visible_to(nobody, scoping.CHANGE).exists()  # view only

    services.grant_object_permission(
        actor=None,
        user=nobody,
        obj=b["branch1"],
        action="view",
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    assert not Member.objects.visible_to(nobody).exists()
