"""Services: happy paths, refusals, and the audit trail they leave."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from guardian.models import UserObjectPermission

from branches import scoping, services
from branches.models import (
    GrantExpiry,
    GuidanceBasis,
    GuidanceEdge,
    Organization,
    OrgKind,
    OrgLevel,
    PolicyOverride,
    Role,
    RoleAssignment,
    Sector,
)
from tests.factories import (
    ActorFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

START = datetime.date(2024, 1, 1)


def today():
    return timezone.localdate()


def context_of(obj, label):
    """The pghistory context of `obj`'s latest event with `label`."""
    event = (
        type(obj)
        .pgh_event_model.objects.filter(pgh_obj_id=obj.pk, pgh_label=label)
        .order_by("-pgh_id")
        .first()
    )
    assert event is not None, f"no {label} event for {obj!r}"
    return event.pgh_context.metadata


@pytest.fixture
def a():
    return province_tree("A")


@pytest.fixture
def b():
    return province_tree("B")


@pytest.fixture
def admin():
    return ActorFactory(is_superuser=True, is_staff=True)


def holder(role, organization, **kwargs):
    return RoleAssignmentFactory(role=role, organization=organization, **kwargs).user


@pytest.fixture
def county_staff(a):
    return holder(Role.ORG_STAFF, a["county"])


@pytest.fixture
def province_staff(a):
    return holder(Role.ORG_STAFF, a["province"])


@pytest.fixture
def secretary(a):
    return holder(Role.SECRETARY, a["branch1"])


def create_kwargs(parent, **overrides):
    kwargs = {
        "parent": parent,
        "name": "新支部",
        "code": "NEW-001",
        "kind": OrgKind.BRANCH,
        "level": OrgLevel.VILLAGE,
        "sector": Sector.RURAL,
    }
    kwargs.update(overrides)
    return kwargs


# --- organization_create -------------------------------------------------------


def test_create_under_own_subtree_sets_the_tree_and_audits(a, county_staff):
    org = services.organization_create(actor=county_staff, **create_kwargs(a["township"]))
    assert org.pk is not None
    assert org.path == f"{a['township'].path}.{org.pk}"
    assert org.depth == a["township"].depth + 1
    assert org.province == a["province"]

    events = Organization.pgh_event_model.objects.filter(pgh_obj=org)
    assert [e.pgh_label for e in events] == ["insert"]
    assert events[0].pgh_context.metadata["user"] == county_staff.pk
    assert events[0].pgh_context.metadata["action"] == "organization.create"
    assert events[0].name == "新支部"


def test_create_in_another_province_is_404(b, county_staff):
    with pytest.raises(Http404):
        services.organization_create(actor=county_staff, **create_kwargs(b["township"]))
    assert not Organization.objects.filter(code="NEW-001").exists()


def test_secretary_may_not_create_under_own_branch(a, secretary):
    with pytest.raises(PermissionDenied):
        services.organization_create(actor=secretary, **create_kwargs(a["branch1"]))
    assert not Organization.objects.filter(code="NEW-001").exists()


def test_only_a_superuser_creates_a_root(admin, province_staff):
    with pytest.raises(PermissionDenied):
        services.organization_create(actor=province_staff, **create_kwargs(None))
    root = services.organization_create(
        actor=admin, **create_kwargs(None, level=OrgLevel.CENTRAL, kind=OrgKind.LOCAL_COMMITTEE)
    )
    assert root.path == str(root.pk)
    assert root.depth == 0


def test_create_refuses_duplicate_code_and_duplicate_live_sibling_name(a, county_staff):
    taken_code = a["branch2"].code
    with pytest.raises(ValidationError) as excinfo:
        services.organization_create(
            actor=county_staff, **create_kwargs(a["township"], code=taken_code)
        )
    assert "code" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        services.organization_create(
            actor=county_staff, **create_kwargs(a["township"], name=a["branch1"].name)
        )
    # The same name under another parent is fine.
    org = services.organization_create(
        actor=county_staff, **create_kwargs(a["county"], name=a["branch1"].name)
    )
    assert org.parent == a["county"]


def test_create_under_a_dissolved_parent_is_refused(a, county_staff):
    services.organization_dissolve(actor=county_staff, organization=a["branch2"], on=today())
    with pytest.raises(ValidationError) as excinfo:
        services.organization_create(actor=county_staff, **create_kwargs(a["branch2"]))
    assert "parent" in excinfo.value.message_dict


# --- organization_update -------------------------------------------------------


def test_update_changes_plain_fields_and_audits(a, county_staff):
    org = services.organization_update(
        actor=county_staff, organization=a["branch1"], name="第一支部", is_mobile_org=True
    )
    stored = Organization.objects.get(pk=a["branch1"].pk)
    assert (stored.name, stored.is_mobile_org) == ("第一支部", True)
    assert org.path == a["branch1"].path
    assert context_of(stored, "update") == {
        "user": county_staff.pk,
        "action": "organization.update",
    }


def test_update_refuses_parent_and_unknown_fields(a, county_staff):
    with pytest.raises(ValidationError):
        services.organization_update(
            actor=county_staff, organization=a["branch1"], parent=a["county"]
        )
    with pytest.raises(ValidationError):
        services.organization_update(
            actor=county_staff, organization=a["branch1"], dissolved=START, name="x"
        )
    stored = Organization.objects.get(pk=a["branch1"].pk)
    assert (stored.parent, stored.dissolved, stored.name) == (a["township"], None, "A支部1")


def test_update_out_of_scope_and_without_manage_tree(a, b, county_staff, secretary):
    with pytest.raises(Http404):
        services.organization_update(actor=county_staff, organization=b["branch1"], name="x")
    with pytest.raises(PermissionDenied):
        services.organization_update(actor=secretary, organization=a["branch1"], name="x")
    assert Organization.objects.filter(name="x").count() == 0


# --- organization_move ---------------------------------------------------------


def test_move_within_own_subtree(a, county_staff):
    township2 = OrganizationFactory(
        parent=a["county"], level=OrgLevel.TOWNSHIP, kind=OrgKind.GRASSROOTS_COMMITTEE
    )
    moved = services.organization_move(
        actor=county_staff, organization=a["branch1"], new_parent=township2
    )
    assert moved.parent == township2
    assert moved.path == f"{township2.path}.{a['branch1'].pk}"
    assert context_of(moved, "update")["action"] == "organization.move"


def test_move_into_another_province_needs_reach_there(a, b, county_staff, secretary):
    with pytest.raises(Http404):
        services.organization_move(
            actor=county_staff, organization=a["branch1"], new_parent=b["township"]
        )
    with pytest.raises(PermissionDenied):
        services.organization_move(
            actor=secretary, organization=a["branch1"], new_parent=a["county"]
        )
    assert Organization.objects.get(pk=a["branch1"].pk).parent == a["township"]


def test_move_under_a_dissolved_organisation_is_refused(a, county_staff):
    services.organization_dissolve(actor=county_staff, organization=a["branch2"], on=today())
    with pytest.raises(ValidationError):
        services.organization_move(
            actor=county_staff, organization=a["branch1"], new_parent=a["branch2"]
        )


def test_move_to_the_same_parent_changes_nothing(a, county_staff):
    events_before = Organization.pgh_event_model.objects.count()
    org = services.organization_move(
        actor=county_staff, organization=a["branch1"], new_parent=a["township"]
    )
    assert org.path == a["branch1"].path
    assert Organization.pgh_event_model.objects.count() == events_before


# --- organization_dissolve -----------------------------------------------------


def test_dissolve_refused_while_live_children_exist(a, county_staff):
    with pytest.raises(ValidationError) as excinfo:
        services.organization_dissolve(actor=county_staff, organization=a["township"], on=today())
    assert a["township"].name in " ".join(excinfo.value.message_dict["dissolved"])
    assert Organization.objects.get(pk=a["township"].pk).dissolved is None

    for key in ("branch1", "branch2"):
        services.organization_dissolve(actor=county_staff, organization=a[key], on=today())
    org = services.organization_dissolve(actor=county_staff, organization=a["township"], on=today())
    assert org.dissolved == today()
    assert a["township"] not in Organization.objects.alive()
    assert a["township"] in Organization.objects.alive(on=today() - datetime.timedelta(days=1))
    assert context_of(org, "update") == {
        "user": county_staff.pk,
        "action": "organization.dissolve",
    }


def test_dissolve_before_establishment_is_refused(a, county_staff):
    Organization.objects.filter(pk=a["branch1"].pk).update(established=START)
    with pytest.raises(ValidationError):
        services.organization_dissolve(
            actor=county_staff, organization=a["branch1"], on=START - datetime.timedelta(days=1)
        )
    assert Organization.objects.get(pk=a["branch1"].pk).dissolved is None


def test_dissolve_needs_manage_tree(a, b, county_staff, secretary):
    with pytest.raises(PermissionDenied):
        services.organization_dissolve(actor=secretary, organization=a["branch1"], on=today())
    with pytest.raises(Http404):
        services.organization_dissolve(actor=county_staff, organization=b["branch1"], on=today())


# --- organization_delete -------------------------------------------------------


def test_delete_only_a_leaf_without_roles(a, county_staff):
    with pytest.raises(ValidationError):
        services.organization_delete(actor=county_staff, organization=a["township"])
    RoleAssignmentFactory(organization=a["branch1"], role=Role.MEMBER)
    with pytest.raises(ValidationError):
        services.organization_delete(actor=county_staff, organization=a["branch1"])
    services.organization_delete(actor=county_staff, organization=a["branch2"])
    assert not Organization.objects.filter(pk=a["branch2"].pk).exists()
    assert Organization.objects.filter(pk=a["branch1"].pk).exists()


def test_delete_out_of_scope_is_404_and_needs_manage_tree(a, b, county_staff, secretary):
    with pytest.raises(Http404):
        services.organization_delete(actor=county_staff, organization=b["branch2"])
    with pytest.raises(PermissionDenied):
        services.organization_delete(actor=secretary, organization=a["branch1"])
    assert Organization.objects.filter(pk__in=[b["branch2"].pk, a["branch1"].pk]).count() == 2


# --- guidance_edge_create ------------------------------------------------------


def test_guidance_edge_create_and_refusals(a, b, county_staff):
    guide = OrganizationFactory(
        parent=a["county"], kind=OrgKind.DEPARTMENT_COMMITTEE, level=OrgLevel.COUNTY
    )
    edge = services.guidance_edge_create(
        actor=county_staff,
        guide=guide,
        guided=a["branch1"],
        basis=GuidanceBasis.TERRITORIAL,
        valid_from=START,
    )
    assert edge.pk is not None
    assert context_of(edge, "insert") == {"user": county_staff.pk, "action": "guidance.create"}

    # A guide the actor cannot see, a guided org out of reach, a self-loop, a bad period.
    with pytest.raises(Http404):
        services.guidance_edge_create(
            actor=county_staff,
            guide=b["county"],
            guided=a["branch1"],
            basis=GuidanceBasis.VERTICAL,
            valid_from=START,
        )
    with pytest.raises(Http404):
        services.guidance_edge_create(
            actor=county_staff,
            guide=guide,
            guided=b["branch1"],
            basis=GuidanceBasis.VERTICAL,
            valid_from=START,
        )
    with pytest.raises(ValidationError):
        services.guidance_edge_create(
            actor=county_staff,
            guide=a["branch1"],
            guided=a["branch1"],
            basis=GuidanceBasis.VERTICAL,
            valid_from=START,
        )
    with pytest.raises(ValidationError):
        services.guidance_edge_create(
            actor=county_staff,
            guide=guide,
            guided=a["branch2"],
            basis=GuidanceBasis.VERTICAL,
            valid_from=START,
            valid_to=START - datetime.timedelta(days=1),
        )
    assert GuidanceEdge.objects.count() == 1


# --- policy_override_set -------------------------------------------------------


def test_policy_override_set_cleans_the_value_and_audits(a, county_staff):
    override = services.policy_override_set(
        actor=county_staff,
        organization=a["county"],
        key="education_days_other_sectors",
        value="8",
        valid_from=START,
        note="县委文件",
    )
    stored = PolicyOverride.objects.get(pk=override.pk)
    assert stored.value == 8
    assert stored.created_by == county_staff
    assert context_of(stored, "insert") == {"user": county_staff.pk, "action": "policy.set"}


def test_policy_override_set_refusals(a, b, county_staff, secretary):
    kwargs = {"key": "education_days_other_sectors", "valid_from": START}
    with pytest.raises(ValidationError) as excinfo:
        services.policy_override_set(
            actor=county_staff, organization=a["county"], value="abc", **kwargs
        )
    assert list(excinfo.value.message_dict) == ["value"]
    with pytest.raises(ValidationError):
        services.policy_override_set(
            actor=county_staff,
            organization=a["county"],
            key="no_such_policy",
            value=1,
            valid_from=START,
        )
    with pytest.raises(PermissionDenied):
        services.policy_override_set(actor=secretary, organization=a["branch1"], value=8, **kwargs)
    with pytest.raises(Http404):
        services.policy_override_set(
            actor=county_staff, organization=b["county"], value=8, **kwargs
        )
    assert not PolicyOverride.objects.exists()


# --- role_assign ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "org_key"),
    [
        (Role.SECRETARY, "branch1"),
        (Role.DEPUTY, "branch1"),
        (Role.ORG_STAFF, "township"),
        (Role.MEMBER, "branch2"),
    ],
)
def test_org_staff_grants_the_ordinary_roles(a, county_staff, role, org_key):
    user = ActorFactory()
    assignment = services.role_assign(
        actor=county_staff, user=user, role=role, organization=a[org_key], valid_from=START
    )
    assert assignment.granted_by == county_staff
    assert RoleAssignment.objects.active().filter(user=user, role=role).count() == 1
    assert scoping.can(user, scoping.VIEW, a[org_key])
    assert context_of(assignment, "insert") == {"user": county_staff.pk, "action": "role.assign"}


def test_inspector_only_on_a_province(a, province_staff):
    inspector = ActorFactory()
    services.role_assign(
        actor=province_staff,
        user=inspector,
        role=Role.INSPECTOR,
        organization=a["province"],
        valid_from=START,
    )
    assert scoping.can(inspector, scoping.VIEW, a["branch2"])
    with pytest.raises(ValidationError) as excinfo:
        services.role_assign(
            actor=province_staff,
            user=ActorFactory(),
            role=Role.INSPECTOR,
            organization=a["city"],
            valid_from=START,
        )
    assert "organization" in excinfo.value.message_dict


def test_member_only_on_a_branch_or_general_branch(a, county_staff):
    general = OrganizationFactory(parent=a["township"], kind=OrgKind.GENERAL_BRANCH)
    services.role_assign(
        actor=county_staff,
        user=ActorFactory(),
        role=Role.MEMBER,
        organization=general,
        valid_from=START,
    )
    with pytest.raises(ValidationError) as excinfo:
        services.role_assign(
            actor=county_staff,
            user=ActorFactory(),
            role=Role.MEMBER,
            organization=a["township"],
            valid_from=START,
        )
    assert "organization" in excinfo.value.message_dict


def test_org_staff_may_not_grant_sysadmin(a, county_staff):
    with pytest.raises(PermissionDenied):
        services.role_assign(
            actor=county_staff,
            user=ActorFactory(),
            role=Role.SYSADMIN,
            organization=a["township"],
            valid_from=START,
        )
    assert not RoleAssignment.objects.filter(role=Role.SYSADMIN).exists()


def test_sysadmin_holders_and_superusers_grant_sysadmin(a, admin):
    sysadmin = holder(Role.SYSADMIN, a["province"])
    services.role_assign(
        actor=sysadmin,
        user=ActorFactory(),
        role=Role.SYSADMIN,
        organization=a["city"],
        valid_from=START,
    )
    services.role_assign(
        actor=admin,
        user=ActorFactory(),
        role=Role.SYSADMIN,
        organization=a["county"],
        valid_from=START,
    )
    assert RoleAssignment.objects.filter(role=Role.SYSADMIN).count() == 3


def test_role_assign_refusals_by_scope(a, b, county_staff, secretary):
    with pytest.raises(PermissionDenied):
        services.role_assign(
            actor=secretary,
            user=ActorFactory(),
            role=Role.DEPUTY,
            organization=a["branch1"],
            valid_from=START,
        )
    with pytest.raises(Http404):
        services.role_assign(
            actor=county_staff,
            user=ActorFactory(),
            role=Role.SECRETARY,
            organization=b["branch1"],
            valid_from=START,
        )
    # An expired org_staff role grants nothing.
    former = holder(Role.ORG_STAFF, a["county"], valid_to=today() - datetime.timedelta(days=1))
    with pytest.raises(Http404):
        services.role_assign(
            actor=former,
            user=ActorFactory(),
            role=Role.SECRETARY,
            organization=a["branch1"],
            valid_from=START,
        )


def test_overlapping_assignment_of_the_same_role_is_refused(a, county_staff):
    user = ActorFactory()
    services.role_assign(
        actor=county_staff,
        user=user,
        role=Role.SECRETARY,
        organization=a["branch1"],
        valid_from=START,
    )
    with pytest.raises(ValidationError):
        services.role_assign(
            actor=county_staff,
            user=user,
            role=Role.SECRETARY,
            organization=a["branch1"],
            valid_from=START + datetime.timedelta(days=30),
        )
    assert RoleAssignment.objects.filter(user=user).count() == 1


# --- role_end ------------------------------------------------------------------


def test_role_end_keeps_the_row_and_stops_the_reach(a, county_staff):
    assignment = RoleAssignmentFactory(role=Role.SECRETARY, organization=a["branch1"])
    user = assignment.user
    yesterday = today() - datetime.timedelta(days=1)

    ended = services.role_end(actor=county_staff, assignment=assignment, on=yesterday)

    assert ended.valid_to == yesterday
    stored = RoleAssignment.objects.get(pk=assignment.pk)
    assert stored.valid_to == yesterday
    assert not scoping.can(user, scoping.VIEW, a["branch1"])
    assert not Organization.objects.visible_to(user).exists()
    assert context_of(stored, "update") == {"user": county_staff.pk, "action": "role.end"}


def test_role_end_today_keeps_the_role_for_today(a, county_staff):
    assignment = RoleAssignmentFactory(role=Role.SECRETARY, organization=a["branch1"])
    services.role_end(actor=county_staff, assignment=assignment, on=today())
    assert scoping.can(assignment.user, scoping.CHANGE, a["branch1"])


def test_role_end_refusals(a, b, county_staff, secretary):
    assignment = RoleAssignmentFactory(role=Role.DEPUTY, organization=a["branch1"])
    with pytest.raises(ValidationError):
        services.role_end(
            actor=county_staff,
            assignment=assignment,
            on=assignment.valid_from - datetime.timedelta(days=1),
        )
    with pytest.raises(PermissionDenied):
        services.role_end(actor=secretary, assignment=assignment, on=today())
    other = RoleAssignmentFactory(role=Role.DEPUTY, organization=b["branch1"])
    with pytest.raises(Http404):
        services.role_end(actor=county_staff, assignment=other, on=today())
    assert RoleAssignment.objects.get(pk=assignment.pk).valid_to is None
    assert RoleAssignment.objects.get(pk=other.pk).valid_to is None


# --- object permissions ----------------------------------------------------------


def test_grant_and_revoke_view_of_one_organisation(a, b, secretary, admin):
    target = b["county"]
    services.grant_object_permission(actor=admin, user=secretary, obj=target, action="view")
    assert set(Organization.objects.visible_to(secretary)) == {a["branch1"], target}
    assert scoping.can(secretary, scoping.VIEW, target)
    assert not scoping.can(secretary, scoping.VIEW, b["township"])  # not the subtree

    assert (
        services.revoke_object_permission(actor=admin, user=secretary, obj=target, action="view")
        == 1
    )
    assert list(Organization.objects.visible_to(secretary)) == [a["branch1"]]
    assert not scoping.can(secretary, scoping.VIEW, target)


def test_grant_with_expiry_in_the_past_gives_nothing_and_is_purged(b, secretary, admin):
    past = timezone.now() - datetime.timedelta(hours=1)
    future = timezone.now() + datetime.timedelta(days=1)
    services.grant_object_permission(
        actor=admin, user=secretary, obj=b["county"], action="view", expires_at=past, reason="t"
    )
    services.grant_object_permission(
        actor=admin, user=secretary, obj=b["city"], action="view", expires_at=future
    )
    visible = set(Organization.objects.visible_to(secretary))
    assert b["county"] not in visible
    assert b["city"] in visible
    assert not scoping.can(secretary, scoping.VIEW, b["county"])

    assert services.purge_expired_grants() == 1
    assert services.purge_expired_grants() == 0
    assert UserObjectPermission.objects.filter(user=secretary).count() == 1
    assert GrantExpiry.objects.get().permission.object_pk == str(b["city"].pk)


def test_revoke_returns_the_number_of_grants_revoked(b, secretary, admin):
    services.grant_object_permission(
        actor=admin,
        user=secretary,
        obj=b["county"],
        action="view",
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    revoked = services.revoke_object_permission(
        actor=admin, user=secretary, obj=b["county"], action="view"
    )
    assert revoked == 1  # one grant, even though its expiry row goes with it
    assert not GrantExpiry.objects.exists()
    assert (
        services.revoke_object_permission(
            actor=admin, user=secretary, obj=b["county"], action="view"
        )
        == 0
    )


def test_regranting_without_expiry_removes_the_expiry(b, secretary, admin):
    past = timezone.now() - datetime.timedelta(hours=1)
    services.grant_object_permission(
        actor=admin, user=secretary, obj=b["county"], action="view", expires_at=past
    )
    services.grant_object_permission(actor=admin, user=secretary, obj=b["county"], action="view")
    assert not GrantExpiry.objects.exists()
    assert scoping.can(secretary, scoping.VIEW, b["county"])
    assert services.purge_expired_grants() == 0


def test_an_actor_cannot_grant_what_they_cannot_see(a, b, secretary):
    """A secretary of province A must not be able to hand themselves (or anyone)
    a view of an organisation in province B."""
    with pytest.raises((Http404, PermissionDenied)):
        services.grant_object_permission(
            actor=secretary, user=secretary, obj=b["county"], action="view"
        )
    assert not scoping.can(secretary, scoping.VIEW, b["county"])
