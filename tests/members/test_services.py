"""Writes on member records: create, update, leave, reveal, flags, conversion,
organisational handling, transfers, dues, and the audit trail."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils import timezone, translation

from branches.models import Role, RoleAssignment
from members import idcard, services
from members.models import (
    ConversionDecision,
    ConversionOutcome,
    DuesPayment,
    FlagKind,
    Handling,
    HandlingStage,
    IdReveal,
    LeaveReason,
    Member,
    MemberFlag,
    MemberStatus,
    Transfer,
    TransferStatus,
)
from tests.factories import (
    ActorFactory,
    MemberFactory,
    RoleAssignmentFactory,
    province_tree,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

PUBLISHED_EXAMPLE = "11010519491231002X"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def a():
    return province_tree("甲")


@pytest.fixture
def b():
    return province_tree("乙")


def holder(role, organization):
    return RoleAssignmentFactory(role=role, organization=organization).user


@pytest.fixture
def secretary(a):
    return holder(Role.SECRETARY, a["branch1"])


@pytest.fixture
def inspector(a):
    return holder(Role.INSPECTOR, a["province"])


@pytest.fixture
def member(a):
    return MemberFactory(branch=a["branch1"], joined_on=datetime.date(2024, 3, 1))


def fields(**overrides):
    values = {
        "name": "张三",
        "gender": "male",
        "birth_date": datetime.date(1949, 12, 31),
        "education": "bachelor",
        "employer_sector": "government",
        "joined_on": datetime.date(2024, 3, 15),
        "status": MemberStatus.PROBATIONARY,
    }
    values.update(overrides)
    return values


def create(actor, branch, id_number=PUBLISHED_EXAMPLE, **overrides):
    return services.member_create(
        actor=actor, branch=branch, id_number=id_number, **fields(**overrides)
    )


def errors_of(caught) -> dict:
    return caught.value.message_dict


# --- member_create ------------------------------------------------------------------


def test_create_stores_the_number_encrypted_and_shows_it_masked(a, secretary):
    member = create(secretary, a["branch1"])
    member.refresh_from_db()
    assert member.branch == a["branch1"]
    assert member.province == a["province"]
    assert member.id_number_masked == "1101**********002X"
    assert idcard.decrypt(member.id_number_encrypted) == PUBLISHED_EXAMPLE
    assert member.id_number_hash == idcard.keyed_hash(PUBLISHED_EXAMPLE)
    # The raw number (or its middle part, the birth date and sequence) is in no column.
    for table, key in (("members_member", "id"), ("members_memberevent", "pgh_obj_id")):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table} WHERE {key} = %s", [member.pk])  # noqa: S608
            rows = cursor.fetchall()
        assert rows, table
        text = " ".join(str(value) for row in rows for value in row)
        assert PUBLISHED_EXAMPLE not in text, table
        assert PUBLISHED_EXAMPLE.lower() not in text, table
        assert "19491231002" not in text, table


def test_probationary_conversion_is_due_one_year_after_admission(a, secretary):
    member = create(secretary, a["branch1"], joined_on=datetime.date(2024, 3, 15))
    assert member.status == MemberStatus.PROBATIONARY
    assert member.conversion_due == datetime.date(2025, 3, 15)
    assert member.full_since is None


def test_admission_on_29_february_is_due_on_28_february(a, secretary):
    member = create(secretary, a["branch1"], joined_on=datetime.date(2024, 2, 29))
    assert Member.objects.get(pk=member.pk).conversion_due == datetime.date(2025, 2, 28)


def test_full_member_needs_the_day_of_becoming_full(a, secretary):
    with pytest.raises(ValidationError) as caught:
        create(secretary, a["branch1"], status=MemberStatus.FULL)
    assert "full_since" in errors_of(caught)
    assert not Member.objects.exists()

    member = create(
        secretary,
        a["branch1"],
        status=MemberStatus.FULL,
        joined_on=datetime.date(2000, 7, 1),
        full_since=datetime.date(2001, 7, 1),
    )
    assert member.full_since == datetime.date(2001, 7, 1)
    assert member.conversion_due is None


def test_invalid_number_is_refused_under_id_number(a, secretary):
    with pytest.raises(ValidationError) as caught:
        create(secretary, a["branch1"], id_number=PUBLISHED_EXAMPLE[:17] + "1")
    assert errors_of(caught)["id_number"] == ["The check character of the ID-card number is wrong."]
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    "typed",
    [PUBLISHED_EXAMPLE, "11010519491231002x", " 110105 19491231 002X ", "110105194912310 02x"],
)
def test_duplicate_number_is_refused_without_leaking_where(a, b, secretary, typed):
    """The number is recorded in 甲支部1; secretaries of other branches (and of
    another province) are refused under id_number, and the message does not
    name a branch out of their reach (members/services.py, _set_id_number)."""
    create(secretary, a["branch1"])
    for actor, branch in (
        (holder(Role.SECRETARY, a["branch2"]), a["branch2"]),
        (holder(Role.SECRETARY, b["branch1"]), b["branch1"]),
        (secretary, a["branch1"]),
    ):
        with pytest.raises(ValidationError) as caught:
            create(actor, branch, id_number=typed, name="李四")
        (message,) = errors_of(caught)["id_number"]
        assert "already recorded" in message
        if actor != secretary:
            assert "甲支部1" not in message
    assert Member.objects.count() == 1


def test_duplicate_number_typed_with_full_width_digits_is_refused(a, secretary):
    """Chinese input methods type full-width digits; the same person must not
    be recorded twice because the number was typed that way."""
    create(secretary, a["branch1"])
    full_width = "１１０１０５１９４９１２３１００２X"
    with pytest.raises(ValidationError) as caught:
        create(holder(Role.SECRETARY, a["branch2"]), a["branch2"], id_number=full_width)
    assert "id_number" in errors_of(caught)
    assert Member.objects.count() == 1


def test_members_go_into_branches_not_committees(a):
    township_secretary = holder(Role.SECRETARY, a["township"])
    with pytest.raises(ValidationError) as caught:
        create(township_secretary, a["township"])
    assert "branch" in errors_of(caught)
    assert "甲镇" in errors_of(caught)["branch"][0]
    # The same actor can create into a branch below.
    assert create(township_secretary, a["branch2"]).branch == a["branch2"]


def test_secretary_of_another_branch_gets_404(a, b):
    for other in (holder(Role.SECRETARY, a["branch2"]), holder(Role.SECRETARY, b["branch1"])):
        with pytest.raises(Http404):
            create(other, a["branch1"])
    assert not Member.objects.exists()


def test_inspector_may_view_but_not_create(a, inspector):
    with pytest.raises(PermissionDenied):
        create(inspector, a["branch1"])
    assert not Member.objects.exists()


def test_member_create_is_audited_with_the_actor(a, secretary):
    member = create(secretary, a["branch1"])
    event = Member.pgh_event_model.objects.get(pgh_obj_id=member.pk, pgh_label="insert")
    assert event.pgh_context is not None
    assert event.pgh_context.metadata["user"] == secretary.pk
    assert event.pgh_context.metadata["action"] == "member.create"
    assert event.name == "张三"


# --- member_update ------------------------------------------------------------------


def test_update_changes_fields_and_number(a, secretary, member):
    updated = services.member_update(
        actor=secretary,
        member=member,
        name="王五",
        phone="13800000000",
        id_number=PUBLISHED_EXAMPLE,
    )
    stored = Member.objects.get(pk=member.pk)
    assert updated.name == stored.name == "王五"
    assert stored.phone == "13800000000"
    assert stored.id_number_masked == "1101**********002X"
    assert idcard.decrypt(stored.id_number_encrypted) == PUBLISHED_EXAMPLE
    assert stored.branch == a["branch1"]
    event = Member.pgh_event_model.objects.filter(pgh_obj_id=member.pk, pgh_label="update").get()
    assert event.pgh_context.metadata == {"user": secretary.pk, "action": "member.update"}


def test_update_cannot_move_the_member_to_another_branch(a, secretary, member):
    with pytest.raises(ValidationError, match="branch"):
        services.member_update(actor=secretary, member=member, branch=a["branch2"])
    assert Member.objects.get(pk=member.pk).branch == a["branch1"]


def test_update_by_another_branch_is_404_and_by_inspector_403(a, inspector, member):
    with pytest.raises(Http404):
        services.member_update(
            actor=holder(Role.SECRETARY, a["branch2"]), member=member, name="王五"
        )
    with pytest.raises(PermissionDenied):
        services.member_update(actor=inspector, member=member, name="王五")
    assert Member.objects.get(pk=member.pk).name == member.name


def test_update_refuses_the_number_of_another_member(a, secretary, member):
    create(secretary, a["branch1"])
    with pytest.raises(ValidationError) as caught:
        services.member_update(actor=secretary, member=member, id_number="11010519491231002x")
    assert "id_number" in errors_of(caught)


# --- member_leave -------------------------------------------------------------------


def test_leave_keeps_the_record_with_date_and_reason(a, secretary, member):
    services.member_leave(
        actor=secretary, member=member, on=datetime.date(2025, 5, 4), reason=LeaveReason.DECEASED
    )
    stored = Member.objects.get(pk=member.pk)
    assert stored.left_on == datetime.date(2025, 5, 4)
    assert stored.left_reason == LeaveReason.DECEASED
    assert not stored.is_current
    assert stored not in Member.objects.current()

    with pytest.raises(ValidationError) as caught:
        services.member_leave(
            actor=secretary, member=member, on=datetime.date(2025, 6, 1), reason=LeaveReason.LEFT
        )
    assert "left_on" in errors_of(caught)
    stored.refresh_from_db()
    assert (stored.left_on, stored.left_reason) == (datetime.date(2025, 5, 4), "deceased")


def test_leave_needs_a_known_reason(secretary, member):
    with pytest.raises(ValidationError) as caught:
        services.member_leave(
            actor=secretary, member=member, on=datetime.date(2025, 1, 1), reason=""
        )
    assert "left_reason" in errors_of(caught)
    assert Member.objects.get(pk=member.pk).left_on is None


# --- member_reveal_id_number -----------------------------------------------------------


def test_reveal_returns_the_number_and_logs_each_call(a, secretary):
    member = create(secretary, a["branch1"])
    assert services.member_reveal_id_number(actor=secretary, member=member) == PUBLISHED_EXAMPLE
    assert services.member_reveal_id_number(actor=secretary, member=member) == PUBLISHED_EXAMPLE
    reveals = IdReveal.objects.filter(member=member)
    assert reveals.count() == 2
    assert {r.user for r in reveals} == {secretary}


def test_reveal_refused_to_inspector_and_to_the_member_themself(a, secretary, inspector, member):
    with pytest.raises(PermissionDenied):
        services.member_reveal_id_number(actor=inspector, member=member)
    login = ActorFactory()
    services.member_link_user(actor=secretary, member=member, user=login)
    with pytest.raises(PermissionDenied):
        services.member_reveal_id_number(actor=login, member=member)
    with pytest.raises(Http404):
        services.member_reveal_id_number(actor=holder(Role.SECRETARY, a["branch2"]), member=member)
    assert not IdReveal.objects.exists()


# --- flags --------------------------------------------------------------------------


def test_flag_set_twice_is_one_active_flag(secretary, member):
    first = services.member_set_flag(
        actor=secretary, member=member, kind=FlagKind.HARDSHIP, on=datetime.date(2025, 1, 2)
    )
    second = services.member_set_flag(
        actor=secretary, member=member, kind=FlagKind.HARDSHIP, on=datetime.date(2025, 2, 3)
    )
    assert first.pk == second.pk
    flag = MemberFlag.objects.get(member=member)
    assert (flag.set_by, flag.set_on, flag.cleared_on) == (
        secretary,
        datetime.date(2025, 1, 2),
        None,
    )


def test_flag_clear_and_set_again_keeps_the_history(a, secretary, member):
    services.member_set_flag(
        actor=secretary, member=member, kind=FlagKind.AGED_INFIRM, on=datetime.date(2025, 1, 2)
    )
    deputy = holder(Role.DEPUTY, a["branch1"])
    cleared = services.member_clear_flag(
        actor=deputy, member=member, kind=FlagKind.AGED_INFIRM, on=datetime.date(2025, 3, 1)
    )
    assert cleared == 1
    old = MemberFlag.objects.get(member=member)
    assert (old.cleared_on, old.cleared_by) == (datetime.date(2025, 3, 1), deputy)

    new = services.member_set_flag(actor=secretary, member=member, kind=FlagKind.AGED_INFIRM)
    assert new.pk != old.pk
    assert new.set_on == timezone.localdate()
    assert MemberFlag.objects.filter(member=member).count() == 2
    assert MemberFlag.objects.filter(member=member, cleared_on__isnull=True).get() == new


def test_unknown_flag_is_refused(secretary, member):
    with pytest.raises(ValidationError) as caught:
        services.member_set_flag(actor=secretary, member=member, kind="vip")
    assert "kind" in errors_of(caught)


# --- conversion_decide -------------------------------------------------------------------


def decide(actor, member, outcome, **kwargs):
    kwargs.setdefault("decided_on", datetime.date(2025, 3, 3))
    return services.conversion_decide(actor=actor, member=member, outcome=outcome, **kwargs)


def test_conversion_on_time_makes_a_full_member(secretary, member):
    assert member.conversion_due == datetime.date(2025, 3, 1)
    decision = decide(secretary, member, ConversionOutcome.ON_TIME)
    stored = Member.objects.get(pk=member.pk)
    assert stored.status == MemberStatus.FULL
    assert stored.full_since == datetime.date(2025, 3, 3)
    assert stored.conversion_due is None
    assert (decision.outcome, decision.decided_by) == ("on_time", secretary)
    assert ConversionDecision.objects.filter(member=member).count() == 1


@pytest.mark.parametrize(
    "until",
    [
        None,
        datetime.date(2025, 3, 1),  # not after the current due date
        datetime.date(2024, 12, 1),
        datetime.date(2026, 3, 2),  # more than a year
    ],
)
def test_extension_must_end_within_one_year_after_the_due_date(secretary, member, until):
    with pytest.raises(ValidationError) as caught:
        decide(secretary, member, ConversionOutcome.EXTENDED, extended_until=until)
    assert "extended_until" in errors_of(caught)
    assert "2026-03-01" in errors_of(caught)["extended_until"][0]
    assert Member.objects.get(pk=member.pk).conversion_due == datetime.date(2025, 3, 1)
    assert not ConversionDecision.objects.exists()


def test_extension_moves_the_conversion_due_date(secretary, member):
    decision = decide(
        secretary, member, ConversionOutcome.EXTENDED, extended_until=datetime.date(2026, 3, 1)
    )
    stored = Member.objects.get(pk=member.pk)
    assert stored.status == MemberStatus.PROBATIONARY
    assert stored.conversion_due == datetime.date(2026, 3, 1)
    assert decision.extended_until == datetime.date(2026, 3, 1)


def test_probation_is_extended_by_at_most_one_year_in_all(secretary, member):
    """The probation may be extended once, by at most one year (model help
    text "At most one more year"; 发展党员工作细则 art. 30: 可以延长一次预备期,
    最长不超过一年). A second extension must not push it past that year."""
    decide(secretary, member, ConversionOutcome.EXTENDED, extended_until=datetime.date(2025, 9, 1))
    with pytest.raises(ValidationError) as caught:
        decide(
            secretary,
            member,
            ConversionOutcome.EXTENDED,
            decided_on=datetime.date(2025, 9, 1),
            extended_until=datetime.date(2026, 8, 31),
        )
    assert "outcome" in errors_of(caught)  # "already extended once"
    assert Member.objects.get(pk=member.pk).conversion_due == datetime.date(2025, 9, 1)


def test_cancelled_probation_records_the_leaving(secretary, member):
    decide(secretary, member, ConversionOutcome.CANCELLED, note="不合格")
    stored = Member.objects.get(pk=member.pk)
    assert stored.left_on == datetime.date(2025, 3, 3)
    assert stored.left_reason
    assert not stored.is_current
    # A cancelled member is no longer a current probationary member.
    with pytest.raises(ValidationError):
        decide(secretary, member, ConversionOutcome.ON_TIME)


def test_no_decision_on_a_full_member(a, secretary):
    full = MemberFactory(branch=a["branch1"], full=True)
    with pytest.raises(ValidationError) as caught:
        decide(secretary, full, ConversionOutcome.ON_TIME)
    assert "outcome" in errors_of(caught)
    assert not ConversionDecision.objects.exists()


def test_conversion_by_inspector_is_refused(inspector, member):
    with pytest.raises(PermissionDenied):
        decide(inspector, member, ConversionOutcome.ON_TIME)
    assert Member.objects.get(pk=member.pk).status == MemberStatus.PROBATIONARY


# --- handling_record ------------------------------------------------------------------------


def test_criticism_comes_before_organisational_measures(a, secretary, member):
    other = MemberFactory(branch=a["branch1"])
    services.handling_record(
        actor=secretary,
        member=other,
        stage=HandlingStage.CRITICISM,
        reason="不交党费",
        on=datetime.date(2025, 1, 5),
    )
    for stage in (HandlingStage.DEADLINE, HandlingStage.PERSUADE, HandlingStage.REMOVAL):
        with pytest.raises(ValidationError) as caught:
            services.handling_record(
                actor=secretary,
                member=member,  # the other member's criticism does not count
                stage=stage,
                reason="长期不参加组织生活",
                on=datetime.date(2025, 2, 1),
                deadline=datetime.date(2025, 5, 1),
            )
        assert "stage" in errors_of(caught)
    assert not Handling.objects.filter(member=member).exists()


def test_deadline_stage_needs_a_deadline(secretary, member):
    services.handling_record(
        actor=secretary,
        member=member,
        stage=HandlingStage.CRITICISM,
        reason="长期不参加组织生活",
        on=datetime.date(2025, 1, 5),
    )
    with pytest.raises(ValidationError) as caught:
        services.handling_record(
            actor=secretary,
            member=member,
            stage=HandlingStage.DEADLINE,
            reason="仍不参加",
            on=datetime.date(2025, 3, 1),
        )
    assert "deadline" in errors_of(caught)
    handling = services.handling_record(
        actor=secretary,
        member=member,
        stage=HandlingStage.DEADLINE,
        reason="仍不参加",
        on=datetime.date(2025, 3, 1),
        deadline=datetime.date(2025, 6, 1),
    )
    assert handling.deadline == datetime.date(2025, 6, 1)
    assert handling.recorded_by == secretary
    assert list(Handling.objects.filter(member=member).values_list("stage", flat=True)) == [
        "deadline",
        "criticism",
    ]


# --- transfers ---------------------------------------------------------------------------------


@pytest.fixture
def sides(a, b):
    return {
        "sender": holder(Role.SECRETARY, a["branch1"]),
        "receiver": holder(Role.SECRETARY, b["branch1"]),
        "third": holder(Role.SECRETARY, b["branch2"]),
    }


def test_transfer_request_waits_for_the_receiving_side(a, b, sides, member):
    transfer = services.transfer_request(
        actor=sides["sender"], member=member, to_branch=b["branch1"], note="工作调动"
    )
    assert transfer.status == TransferStatus.PENDING
    assert transfer.from_branch == a["branch1"]
    assert transfer.to_branch == b["branch1"]
    assert transfer.due_by == timezone.localdate() + datetime.timedelta(days=30)
    stored = Member.objects.get(pk=member.pk)
    assert (stored.branch, stored.province) == (a["branch1"], a["province"])

    assert transfer in Transfer.objects.visible_to(sides["receiver"])
    assert transfer in Transfer.objects.visible_to(sides["sender"])
    assert transfer not in Transfer.objects.visible_to(sides["third"])
    assert transfer not in Transfer.objects.visible_to(holder(Role.SECRETARY, a["branch2"]))


def test_only_the_receiving_side_accepts(a, b, sides, member):
    transfer = services.transfer_request(
        actor=sides["sender"], member=member, to_branch=b["branch1"]
    )
    for actor in (sides["sender"], sides["third"]):
        with pytest.raises((Http404, PermissionDenied)):
            services.transfer_accept(actor=actor, transfer=transfer)
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING

    services.transfer_accept(actor=sides["receiver"], transfer=transfer)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by) == (TransferStatus.ACCEPTED, sides["receiver"])
    assert transfer.decided_at is not None
    stored = Member.objects.get(pk=member.pk)
    assert (stored.branch, stored.province) == (b["branch1"], b["province"])
    # The new branch has the member; the old one no longer.
    assert stored in Member.objects.visible_to(sides["receiver"])
    assert stored not in Member.objects.visible_to(sides["sender"])
    # A decided transfer cannot be accepted again.
    with pytest.raises(ValidationError):
        services.transfer_accept(actor=sides["receiver"], transfer=transfer)


def active_member_roles(user):
    return set(
        RoleAssignment.objects.active()
        .filter(user=user, role=Role.MEMBER)
        .values_list("organization__name", flat=True)
    )


def test_accepting_moves_the_member_role_of_a_login_linked_today(b, sides, member):
    """member_link_user gives the member role from today; the member is then
    transferred the same day. The role must move to the new branch."""
    login = ActorFactory()
    services.member_link_user(actor=sides["sender"], member=member, user=login)
    assert active_member_roles(login) == {"甲支部1"}
    transfer = services.transfer_request(
        actor=sides["sender"], member=member, to_branch=b["branch1"]
    )

    services.transfer_accept(actor=sides["receiver"], transfer=transfer)

    assert active_member_roles(login) == {"乙支部1"}
    assert Member.objects.visible_to(login).get() == member


def test_accepting_moves_an_older_member_role(a, b, sides, member):
    login = ActorFactory()
    member.user = login
    member.save(update_fields=["user"])
    old_role = RoleAssignmentFactory(
        user=login,
        role=Role.MEMBER,
        organization=a["branch1"],
        valid_from=datetime.date(2024, 3, 1),
    )
    transfer = services.transfer_request(
        actor=sides["sender"], member=member, to_branch=b["branch1"]
    )
    services.transfer_accept(actor=sides["receiver"], transfer=transfer)

    old_role.refresh_from_db()
    assert old_role.valid_to == timezone.localdate() - datetime.timedelta(days=1)
    assert active_member_roles(login) == {"乙支部1"}
    assert Member.objects.visible_to(login).get() == member
    assert transfer in Transfer.objects.visible_to(login)


def test_rejection_needs_a_reason(b, sides, member):
    transfer = services.transfer_request(
        actor=sides["sender"], member=member, to_branch=b["branch1"]
    )
    with pytest.raises(ValidationError) as caught:
        services.transfer_reject(actor=sides["receiver"], transfer=transfer, reason="  ")
    assert "rejection_reason" in errors_of(caught)
    with pytest.raises((Http404, PermissionDenied)):
        services.transfer_reject(actor=sides["sender"], transfer=transfer, reason="不要")
    services.transfer_reject(actor=sides["receiver"], transfer=transfer, reason=" 材料不全 ")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.rejection_reason) == (TransferStatus.REJECTED, "材料不全")
    assert Member.objects.get(pk=member.pk).branch_id == transfer.from_branch_id
    # After a rejection a new request may be made.
    again = services.transfer_request(actor=sides["sender"], member=member, to_branch=b["branch2"])
    assert again.status == TransferStatus.PENDING


def test_a_second_pending_transfer_is_refused(a, b, sides, member):
    services.transfer_request(actor=sides["sender"], member=member, to_branch=b["branch1"])
    with pytest.raises(ValidationError) as caught:
        services.transfer_request(actor=sides["sender"], member=member, to_branch=a["branch2"])
    assert "member" in errors_of(caught)
    assert Transfer.objects.filter(member=member).count() == 1


def test_transfer_request_refusals(a, b, sides, member):
    with pytest.raises(ValidationError) as caught:
        services.transfer_request(actor=sides["sender"], member=member, to_branch=a["branch1"])
    assert "to_branch" in errors_of(caught)
    with pytest.raises(ValidationError) as caught:
        services.transfer_request(actor=sides["sender"], member=member, to_branch=b["township"])
    assert "to_branch" in errors_of(caught)
    with pytest.raises(Http404):
        services.transfer_request(actor=sides["receiver"], member=member, to_branch=b["branch1"])
    assert not Transfer.objects.exists()


def test_only_the_sender_cancels(b, sides, member):
    transfer = services.transfer_request(
        actor=sides["sender"], member=member, to_branch=b["branch1"]
    )
    with pytest.raises((Http404, PermissionDenied)):
        services.transfer_cancel(actor=sides["receiver"], transfer=transfer)
    assert Transfer.objects.get(pk=transfer.pk).status == TransferStatus.PENDING
    services.transfer_cancel(actor=sides["sender"], transfer=transfer)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by) == (TransferStatus.CANCELLED, sides["sender"])
    with pytest.raises(ValidationError):
        services.transfer_accept(actor=sides["receiver"], transfer=transfer)
    with pytest.raises(ValidationError):
        services.transfer_cancel(actor=sides["sender"], transfer=transfer)
    assert Member.objects.get(pk=member.pk).branch_id == transfer.from_branch_id


# --- dues_record ----------------------------------------------------------------------------------


def pay(actor, member, period, amount="12.50", **kwargs):
    return services.dues_record(
        actor=actor,
        member=member,
        period_start=period,
        amount=Decimal(amount),
        paid_on=datetime.date(2025, 4, 10),
        **kwargs,
    )


def test_dues_are_recorded_by_the_branch(a, secretary, member):
    payment = pay(secretary, member, datetime.date(2025, 3, 1))
    stored = DuesPayment.objects.get(pk=payment.pk)
    assert stored.received_by == a["branch1"]
    assert stored.recorded_by == secretary
    assert (stored.months, stored.amount) == (1, Decimal("12.50"))


@pytest.mark.parametrize(
    ("period", "months"),
    [
        (datetime.date(2025, 3, 15), 1),
        (datetime.date(2025, 3, 2), 1),
        (datetime.date(2025, 2, 1), 3),  # not a quarter start
        (datetime.date(2025, 4, 10), 3),
    ],
)
def test_dues_period_starts_on_the_first(secretary, member, period, months):
    with pytest.raises(ValidationError) as caught:
        pay(secretary, member, period, months=months)
    assert "period_start" in errors_of(caught)
    assert not DuesPayment.objects.exists()


def test_quarterly_dues_on_a_quarter_start(secretary, member):
    payment = pay(secretary, member, datetime.date(2025, 4, 1), amount="36", months=3)
    assert payment.months == 3


def test_dues_for_the_same_period_twice_are_refused(secretary, member):
    pay(secretary, member, datetime.date(2025, 3, 1))
    with pytest.raises(ValidationError) as caught:
        pay(secretary, member, datetime.date(2025, 3, 1), amount="20")
    (message,) = errors_of(caught)["period_start"]
    assert "2025-03" in message
    assert DuesPayment.objects.get().amount == Decimal("12.50")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((datetime.date(2025, 1, 1), 3), (datetime.date(2025, 2, 1), 1)),
        ((datetime.date(2025, 2, 1), 1), (datetime.date(2025, 1, 1), 3)),
    ],
)
def test_dues_for_a_month_inside_a_paid_quarter_are_refused(secretary, member, first, second):
    """A quarter paid from January covers February: February cannot be paid again."""
    pay(secretary, member, first[0], months=first[1])
    with pytest.raises(ValidationError) as caught:
        pay(secretary, member, second[0], months=second[1])
    assert "period_start" in errors_of(caught)
    assert DuesPayment.objects.count() == 1


@pytest.mark.parametrize("amount", ["0", "-5", "0.00"])
def test_dues_amount_must_be_positive(secretary, member, amount):
    with pytest.raises(ValidationError):
        pay(secretary, member, datetime.date(2025, 3, 1), amount=amount)
    assert not DuesPayment.objects.exists()


def test_dues_by_another_branch_is_404_and_by_inspector_403(a, inspector, member):
    with pytest.raises(Http404):
        pay(holder(Role.SECRETARY, a["branch2"]), member, datetime.date(2025, 3, 1))
    with pytest.raises(PermissionDenied):
        pay(inspector, member, datetime.date(2025, 3, 1))
    assert not DuesPayment.objects.exists()


def test_member_link_user_gives_the_member_role_once(a, secretary, member):
    login = ActorFactory()
    services.member_link_user(actor=secretary, member=member, user=login)
    services.member_link_user(actor=secretary, member=member, user=login)
    assert Member.objects.get(pk=member.pk).user == login
    assert RoleAssignment.objects.filter(user=login, role=Role.MEMBER).count() == 1
    other = MemberFactory(branch=a["branch1"], id_number=valid_id_number(999_999))
    with pytest.raises(ValidationError) as caught:
        services.member_link_user(actor=secretary, member=other, user=login)
    assert "user" in errors_of(caught)
