"""Who sees which member records: roles reach subtrees, the member role only
the member's own records, transfers both sides, dues also the inflow side."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from branches import scoping
from branches.models import OrgKind, OrgLevel, Role
from branches.services import grant_object_permission
from members import services
from members.models import (
    ConversionDecision,
    DuesPayment,
    Handling,
    IdReveal,
    Member,
    MemberFlag,
    Transfer,
)
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 3, 1)
MEMBER_KEYS = ("a1", "a1_peer", "a2", "a3", "b1")
# Models whose rows hang off one member and are seen through the member's branch.
PER_MEMBER = (MemberFlag, IdReveal, ConversionDecision, Handling, DuesPayment)
ALL_MODELS = (Member, Transfer, *PER_MEMBER)


def holder(role, organization):
    return RoleAssignmentFactory(role=role, organization=organization).user


@pytest.fixture
def world():
    """Provinces 甲 and 乙 (province → city → county → township → 2 branches);
    甲 has a second county with one branch. Members: a1 and a1_peer in 甲支部1,
    a2 in 甲支部2, a3 in the second county's branch, b1 in 乙支部1. Each member
    has one row of every per-member model (dues received by their own branch),
    and a1 has a transfer to 乙支部2."""
    a, b = province_tree("甲"), province_tree("乙")
    a["county2"] = OrganizationFactory(
        name="甲二县", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    a["county2_branch"] = OrganizationFactory(name="甲二县支部", parent=a["county2"])
    clerk = ActorFactory(is_superuser=True)
    members = {
        "a1": MemberFactory(branch=a["branch1"]),
        "a1_peer": MemberFactory(branch=a["branch1"]),
        "a2": MemberFactory(branch=a["branch2"]),
        "a3": MemberFactory(branch=a["county2_branch"]),
        "b1": MemberFactory(branch=b["branch1"]),
    }
    rows = {model: {} for model in PER_MEMBER}
    for key, member in members.items():
        rows[MemberFlag][key] = MemberFlag.objects.create(
            member=member, kind="hardship", set_on=DAY, set_by=clerk
        )
        rows[IdReveal][key] = IdReveal.objects.create(member=member, user=clerk)
        rows[ConversionDecision][key] = ConversionDecision.objects.create(
            member=member,
            decided_on=DAY,
            outcome="extended",
            extended_until=datetime.date(2025, 9, 1),
            decided_by=clerk,
        )
        rows[Handling][key] = Handling.objects.create(
            member=member, stage="criticism", reason="谈话", on=DAY, recorded_by=clerk
        )
        rows[DuesPayment][key] = DuesPayment.objects.create(
            member=member,
            period_start=DAY,
            amount=Decimal("10.00"),
            paid_on=DAY,
            received_by=member.branch,
            recorded_by=clerk,
        )
    transfer = Transfer.objects.create(
        member=members["a1"],
        from_branch=a["branch1"],
        to_branch=b["branch2"],
        requested_by=clerk,
        due_by=datetime.date(2025, 4, 1),
    )
    return {"A": a, "B": b, "members": members, "rows": rows, "transfer": transfer}


def visible(user, model, action=scoping.VIEW):
    return set(model.objects.visible_to(user, action))


def expect(world, keys, *, transfer: bool):
    """What a user seeing exactly the members `keys` sees of every model."""
    keys = set(keys)
    expected = {Member: {world["members"][k] for k in keys}}
    for model, by_member in world["rows"].items():
        expected[model] = {row for k, row in by_member.items() if k in keys}
    expected[Transfer] = {world["transfer"]} if transfer else set()
    return expected


def assert_sees(world, user, keys, *, transfer: bool, action=scoping.VIEW):
    for model, rows in expect(world, keys, transfer=transfer).items():
        assert visible(user, model, action) == rows, model.__name__


# --- roles ---------------------------------------------------------------------------


def test_secretary_sees_own_branch_only(world):
    secretary = holder(Role.SECRETARY, world["A"]["branch1"])
    assert_sees(world, secretary, {"a1", "a1_peer"}, transfer=True)
    assert_sees(world, secretary, {"a1", "a1_peer"}, transfer=True, action=scoping.CHANGE)

    other = holder(Role.SECRETARY, world["A"]["branch2"])
    assert_sees(world, other, {"a2"}, transfer=False)


def test_county_org_staff_sees_the_county_subtree(world):
    staff = holder(Role.ORG_STAFF, world["A"]["county"])
    assert_sees(world, staff, {"a1", "a1_peer", "a2"}, transfer=True)
    assert_sees(world, staff, {"a1", "a1_peer", "a2"}, transfer=True, action=scoping.CHANGE)

    staff2 = holder(Role.ORG_STAFF, world["A"]["county2"])
    assert_sees(world, staff2, {"a3"}, transfer=False)


def test_inspector_views_the_province_and_changes_nothing(world):
    inspector = holder(Role.INSPECTOR, world["A"]["province"])
    assert_sees(world, inspector, {"a1", "a1_peer", "a2", "a3"}, transfer=True)
    assert_sees(world, inspector, set(), transfer=False, action=scoping.CHANGE)

    other_province = holder(Role.INSPECTOR, world["B"]["province"])
    # 乙 sees its member and the transfer coming into 乙支部2, not 甲's members.
    assert_sees(world, other_province, {"b1"}, transfer=True)


def test_member_role_sees_only_own_record_transfers_and_dues(world):
    a1 = world["members"]["a1"]
    login = ActorFactory()
    services.member_link_user(
        actor=holder(Role.SECRETARY, world["A"]["branch1"]), member=a1, user=login
    )
    assert visible(login, Member) == {a1}
    assert visible(login, Transfer) == {world["transfer"]}
    assert visible(login, DuesPayment) == {world["rows"][DuesPayment]["a1"]}
    for model in (MemberFlag, IdReveal, ConversionDecision, Handling):
        others = {row for key, row in world["rows"][model].items() if key != "a1"}
        assert not visible(login, model) & others, model.__name__
    for model in ALL_MODELS:
        assert not visible(login, model, scoping.CHANGE), model.__name__


def test_member_role_without_a_linked_record_sees_no_member(world):
    login = holder(Role.MEMBER, world["A"]["branch1"])
    assert_sees(world, login, set(), transfer=False)


def test_member_record_linked_by_hand_counts_too(world):
    a2 = world["members"]["a2"]
    login = ActorFactory()
    a2.user = login
    a2.save(update_fields=["user"])
    RoleAssignmentFactory(user=login, role=Role.MEMBER, organization=world["A"]["branch2"])
    assert visible(login, Member) == {a2}
    assert visible(login, DuesPayment) == {world["rows"][DuesPayment]["a2"]}
    assert visible(login, Transfer) == set()


def test_no_roles_sees_nothing(world):
    nobody = ActorFactory()
    assert_sees(world, nobody, set(), transfer=False)
    for model in ALL_MODELS:
        assert not model.objects.visible_to(AnonymousUser()).exists(), model.__name__
        assert not model.objects.visible_to(None).exists(), model.__name__


def test_inactive_secretary_sees_nothing(world):
    secretary = holder(Role.SECRETARY, world["A"]["branch1"])
    secretary.is_active = False
    secretary.save(update_fields=["is_active"])
    assert_sees(world, secretary, set(), transfer=False)


def test_superuser_sees_everything(world):
    admin = ActorFactory(is_superuser=True)
    assert_sees(world, admin, set(MEMBER_KEYS), transfer=True)
    assert_sees(world, admin, set(MEMBER_KEYS), transfer=True, action=scoping.CHANGE)


# --- both sides of a transfer, the inflow side of dues ---------------------------------------


def test_transfer_is_seen_by_both_sides_and_nobody_else(world):
    a, b, transfer = world["A"], world["B"], world["transfer"]
    for org in (a["branch1"], b["branch2"], a["township"], b["county"], b["province"]):
        assert transfer in Transfer.objects.visible_to(holder(Role.SECRETARY, org)), org.name
    for org in (a["branch2"], a["county2"], a["county2_branch"], b["branch1"]):
        assert transfer not in Transfer.objects.visible_to(holder(Role.SECRETARY, org)), org.name
    # The receiving side sees the transfer, not the member's other records.
    receiver = holder(Role.SECRETARY, b["branch2"])
    assert visible(receiver, Member) == set()
    assert visible(receiver, DuesPayment) == set()


def test_dues_received_by_an_inflow_organisation_are_visible_to_it(world):
    a3 = world["members"]["a3"]
    inflow = world["B"]["branch2"]
    inflow_secretary = holder(Role.SECRETARY, inflow)
    # Without a workflow grant the inflow branch cannot record dues of a3.
    with pytest.raises(Http404):
        services.dues_record(
            actor=inflow_secretary,
            member=a3,
            period_start=datetime.date(2025, 4, 1),
            amount=Decimal("10"),
            paid_on=datetime.date(2025, 4, 2),
            received_by=inflow,
        )
    grant_object_permission(actor=None, user=inflow_secretary, obj=a3, action=scoping.VIEW)
    payment = services.dues_record(
        actor=inflow_secretary,
        member=a3,
        period_start=datetime.date(2025, 4, 1),
        amount=Decimal("10"),
        paid_on=datetime.date(2025, 4, 2),
        received_by=inflow,
    )
    assert payment.received_by == inflow
    # The inflow branch sees what it received, not the dues paid at home.
    assert visible(inflow_secretary, DuesPayment) == {payment}
    assert visible(inflow_secretary, Member) == {a3}
    # The member's own branch sees both payments.
    home = holder(Role.SECRETARY, world["A"]["county2_branch"])
    assert visible(home, DuesPayment) == {payment, world["rows"][DuesPayment]["a3"]}
    # A third branch sees neither.
    assert visible(holder(Role.SECRETARY, world["B"]["branch1"]), DuesPayment) == {
        world["rows"][DuesPayment]["b1"]
    }


# --- query count ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.SECRETARY, Role.INSPECTOR])
def test_member_list_query_count_does_not_grow(world, django_assert_max_num_queries, role):
    branch = world["A"]["branch2"]
    MemberFactory.create_batch(50, branch=branch)
    user = holder(role, branch if role == Role.SECRETARY else world["A"]["province"])
    expected = 51 if role == Role.SECRETARY else 54
    with django_assert_max_num_queries(3):
        names = [
            (m.name, m.branch.name)
            for m in Member.objects.visible_to(user).select_related("branch")
        ]
    assert len(names) == expected
