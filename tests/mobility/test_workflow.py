"""The certificate workflow of document 3 across two provinces, step by step."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from branches.models import GrantExpiry, OrgKind, OrgLevel, Role
from members.models import DuesPayment, Member
from mobility import services
from mobility.models import Certificate, CertificateEntry, Episode
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("川", parent=root)
    b = province_tree("浙", parent=root)
    users = {}
    for name, role, org in [
        ("outflow", Role.SECRETARY, a["branch1"]),
        ("committee", Role.SECRETARY, a["township"]),
        ("inflow", Role.SECRETARY, b["branch1"]),
        ("inflow_deputy", Role.DEPUTY, b["branch1"]),
        ("other_b", Role.SECRETARY, b["branch2"]),
    ]:
        users[name] = UserFactory(username=name)
        RoleAssignmentFactory(user=users[name], role=role, organization=org)
    member_user = UserFactory(username="member")
    member = MemberFactory(branch=a["branch1"], name="张流动", user=member_user, full=True)
    RoleAssignmentFactory(user=member_user, role=Role.MEMBER, organization=a["branch1"])
    other = MemberFactory(branch=a["branch1"], name="李留守", full=True)
    return {"a": a, "b": b, "u": users, "member": member, "stay": other}


def leave(world, **extra):
    fields = {
        "reason": "employment",
        "destination_region": "浙江省杭州市",
        "contact": "13800000000",
        "reported_on": TODAY - datetime.timedelta(days=10),
        "started_on": TODAY - datetime.timedelta(days=5),
        "expected_return": TODAY + datetime.timedelta(days=300),
    }
    fields.update(extra)
    return services.episode_create(actor=world["u"]["outflow"], member=world["member"], **fields)


def issued(world):
    episode = leave(world)
    cert = services.certificate_request(actor=world["u"]["outflow"], episode=episode)
    services.certificate_stamp(actor=world["u"]["committee"], certificate=cert)
    return services.certificate_issue(actor=world["u"]["outflow"], certificate=cert)


def checked_in(world):
    cert = issued(world)
    return services.certificate_check_in(
        actor=world["u"]["inflow"],
        number=cert.number,
        code=cert.verification_code,
        inflow_organization=world["b"]["branch1"],
        basis="mobile_org",
    )


def test_the_full_workflow_across_two_provinces(world):
    u, a, b = world["u"], world["a"], world["b"]
    episode = leave(world)
    assert episode.outflow_branch == a["branch1"] and episode.province == a["province"]
    cert = services.certificate_request(actor=u["outflow"], episode=episode)
    assert cert.status == "requested" and cert.requested_by == u["outflow"]
    assert len(cert.verification_code) == 10
    assert set(cert.verification_code) <= set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")

    # The branch secretary cannot stamp: the grassroots committee does.
    with pytest.raises(Http404):
        services.certificate_stamp(actor=u["outflow"], certificate=cert)
    cert = services.certificate_stamp(actor=u["committee"], certificate=cert)
    assert cert.stamped_by_org == a["township"] and cert.stamped_by == u["committee"]

    cert = services.certificate_issue(actor=u["outflow"], certificate=cert)
    assert cert.number == f"{a['province'].code}-{TODAY.year}-000001"
    assert cert.issued_by == u["outflow"] and cert.issued_at

    # Before check-in the inflow secretary sees neither the member nor the episode.
    assert not Member.objects.visible_to(u["inflow"]).filter(pk=world["member"].pk).exists()
    assert not Episode.objects.visible_to(u["inflow"]).exists()

    cert = services.certificate_check_in(
        actor=u["inflow"],
        number=cert.number,
        code=cert.verification_code,
        inflow_organization=b["branch1"],
        basis="mobile_org",
    )
    assert cert.status == "checked_in" and cert.filed_with == b["township"]
    episode.refresh_from_db()
    assert episode.inflow_organization == b["branch1"] and episode.inflow_basis == "mobile_org"
    assert episode.last_contact_on == TODAY
    # Secretary and deputy of the inflow branch now see the member and the episode …
    for name in ("inflow", "inflow_deputy"):
        assert Member.objects.visible_to(u[name]).filter(pk=world["member"].pk).exists()
        assert Episode.objects.visible_to(u[name]).filter(pk=episode.pk).exists()
    # … but not the other members of the outflow branch, nor can another branch.
    assert not Member.objects.visible_to(u["inflow"]).filter(pk=world["stay"].pk).exists()
    assert not Member.objects.visible_to(u["other_b"]).filter(pk=world["member"].pk).exists()
    # The member sees their own episode.
    assert Episode.objects.visible_to(world["member"].user).filter(pk=episode.pk).exists()

    life = services.entry_org_life(
        actor=u["inflow"], certificate=cert, on=TODAY, description="流动党员支部主题党日"
    )
    assert life.organization == b["branch1"]
    period = TODAY.replace(day=1)
    dues = services.entry_dues(
        actor=u["inflow"],
        certificate=cert,
        period_start=period,
        months=1,
        amount=Decimal("20.00"),
        paid_on=TODAY,
    )
    assert dues.dues.received_by == b["branch1"] and dues.dues.member == world["member"]

    review = services.certificate_review(
        actor=u["inflow"], certificate=cert, year=TODAY.year, reviewed_on=TODAY, notes="表现良好"
    )
    assert review.organization == b["branch1"]

    cert = services.certificate_return(
        actor=u["outflow"], certificate=cert, returned_on=TODAY, review="在外表现良好"
    )
    episode.refresh_from_db()
    assert cert.status == "returned" and cert.returned_by == u["outflow"]
    assert episode.status == "returned" and episode.return_review == "在外表现良好"
    # The grants end with the return.
    assert not Member.objects.visible_to(u["inflow"]).filter(pk=world["member"].pk).exists()
    assert not Member.objects.visible_to(u["inflow_deputy"]).filter(pk=world["member"].pk).exists()


def test_a_second_episode_away_is_refused_with_a_message(world):
    leave(world)
    with pytest.raises(ValidationError) as error:
        leave(world)
    assert "张流动" in str(error.value.message_dict["member"])


def test_a_member_who_left_cannot_leave_on_an_episode(world):
    Member.objects.filter(pk=world["member"].pk).update(left_on=TODAY, left_reason="death")
    with pytest.raises(ValidationError) as error:
        leave(world)
    assert "member" in error.value.message_dict


def test_a_second_active_certificate_is_refused_naming_the_first(world):
    cert = issued(world)
    with pytest.raises(ValidationError) as error:
        services.certificate_request(actor=world["u"]["outflow"], episode=cert.episode)
    assert cert.number in str(error.value.message_dict["status"])


def test_issue_before_stamp_is_refused(world):
    episode = leave(world)
    cert = services.certificate_request(actor=world["u"]["outflow"], episode=episode)
    with pytest.raises(ValidationError) as error:
        services.certificate_issue(actor=world["u"]["outflow"], certificate=cert)
    assert "盖章" in str(error.value.message_dict["status"])
    assert Certificate.objects.get(pk=cert.pk).number == ""


def test_check_in_twice_is_refused(world):
    cert = checked_in(world)
    with pytest.raises(ValidationError) as error:
        services.certificate_check_in(
            actor=world["u"]["inflow"],
            number=cert.number,
            code=cert.verification_code,
            inflow_organization=world["b"]["branch1"],
            basis="mobile_org",
        )
    assert "已在" in str(error.value.message_dict["status"])


def test_check_in_needs_a_known_number_a_basis_and_a_grassroots_org(world):
    cert = issued(world)
    u, b = world["u"], world["b"]
    with pytest.raises(ValidationError) as error:
        services.certificate_check_in(
            actor=u["inflow"],
            number="X-1",
            code=cert.verification_code,
            inflow_organization=b["branch1"],
            basis="mobile_org",
        )
    assert "X-1" in str(error.value.message_dict["number"])
    # The right number with another certificate's code, or none, is no match either.
    for code in ("", "ABCDEFGHJK"):
        with pytest.raises(ValidationError) as error:
            services.certificate_check_in(
                actor=u["inflow"],
                number=cert.number,
                code=code,
                inflow_organization=b["branch1"],
                basis="mobile_org",
            )
        assert cert.number in str(error.value.message_dict["number"])
    with pytest.raises(ValidationError) as error:
        services.certificate_check_in(
            actor=u["inflow"],
            number=cert.number,
            code=cert.verification_code,
            inflow_organization=b["branch1"],
            basis="x",
        )
    assert "basis" in error.value.message_dict
    # Someone outside the inflow organisation cannot check in there.
    with pytest.raises(Http404):
        services.certificate_check_in(
            actor=u["other_b"],
            number=cert.number,
            code=cert.verification_code,
            inflow_organization=b["branch1"],
            basis="mobile_org",
        )
    assert Certificate.objects.get(pk=cert.pk).status == "issued"


def test_entry_before_check_in_is_refused(world):
    cert = issued(world)
    with pytest.raises(ValidationError) as error:
        services.entry_org_life(
            actor=world["u"]["outflow"], certificate=cert, on=TODAY, description="学习"
        )
    assert "报到" in str(error.value.message_dict["status"])
    assert not CertificateEntry.objects.exists()


def test_entries_are_for_the_inflow_side_only_and_touch_contact(world):
    cert = checked_in(world)
    Episode.objects.filter(pk=cert.episode_id).update(
        last_contact_on=TODAY - datetime.timedelta(days=200),
        lost_contact_since=TODAY - datetime.timedelta(days=20),
    )
    with pytest.raises(Http404):
        services.entry_org_life(
            actor=world["u"]["outflow"], certificate=cert, on=TODAY, description="学习"
        )
    services.entry_org_life(
        actor=world["u"]["inflow"], certificate=cert, on=TODAY, description="学习"
    )
    episode = Episode.objects.get(pk=cert.episode_id)
    assert episode.last_contact_on == TODAY and episode.lost_contact_since is None


def test_quarterly_dues_only_where_the_policy_allows(world):
    cert = checked_in(world)
    quarter = datetime.date(TODAY.year, 1, 1)
    kwargs = {
        "actor": world["u"]["inflow"],
        "certificate": cert,
        "period_start": quarter,
        "months": 3,
        "amount": Decimal("60"),
        "paid_on": TODAY,
    }
    with pytest.raises(ValidationError) as error:
        services.entry_dues(**kwargs)
    assert "按月" in str(error.value.message_dict["months"])
    assert not DuesPayment.objects.exists()
    PolicyOverrideFactory(
        organization=world["a"]["county"], key="mobile_dues_period", value="quarterly"
    )
    entry = services.entry_dues(**kwargs)
    assert entry.dues.months == 3
    # The same quarter twice is refused by the dues service, nothing half-saved.
    with pytest.raises(ValidationError):
        services.entry_dues(**kwargs)
    assert CertificateEntry.objects.filter(kind="dues").count() == 1


def test_return_twice_is_refused(world):
    cert = checked_in(world)
    services.certificate_return(actor=world["u"]["outflow"], certificate=cert, returned_on=TODAY)
    with pytest.raises(ValidationError) as error:
        services.certificate_return(
            actor=world["u"]["outflow"], certificate=cert, returned_on=TODAY
        )
    assert "status" in error.value.message_dict


def test_review_once_a_year_extends_the_grants(world):
    cert = checked_in(world)
    expiry = GrantExpiry.objects.get(permission__user=world["u"]["inflow"])
    before = expiry.expires_at
    services.certificate_review(
        actor=world["u"]["outflow"], certificate=cert, year=TODAY.year, reviewed_on=TODAY
    )
    expiry.refresh_from_db()
    assert expiry.expires_at >= before + datetime.timedelta(days=364)
    with pytest.raises(ValidationError) as error:
        services.certificate_review(
            actor=world["u"]["inflow"], certificate=cert, year=TODAY.year, reviewed_on=TODAY
        )
    assert str(TODAY.year) in str(error.value.message_dict["year"])


def test_an_expired_grant_hides_the_member_again(world):
    cert = checked_in(world)
    assert Member.objects.visible_to(world["u"]["inflow"]).filter(pk=cert.member_id).exists()
    GrantExpiry.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert not Member.objects.visible_to(world["u"]["inflow"]).filter(pk=cert.member_id).exists()
    # The episode itself stays visible to the inflow organisation.
    assert Episode.objects.visible_to(world["u"]["inflow"]).filter(pk=cert.episode_id).exists()


def test_cancel_needs_a_reason_and_frees_the_member_for_a_new_certificate(world):
    cert = issued(world)
    with pytest.raises(ValidationError) as error:
        services.certificate_cancel(actor=world["u"]["outflow"], certificate=cert, reason=" ")
    assert "reason" in error.value.message_dict
    services.certificate_cancel(actor=world["u"]["outflow"], certificate=cert, reason="遗失")
    again = services.certificate_request(actor=world["u"]["outflow"], episode=cert.episode)
    assert again.status == "requested"
    with pytest.raises(ValidationError):
        services.certificate_cancel(actor=world["u"]["outflow"], certificate=cert, reason="x")


def test_numbers_run_per_province_and_year(world):
    first = issued(world)
    other = MemberFactory(branch=world["a"]["branch2"], full=True)
    RoleAssignmentFactory(
        user=world["u"]["outflow"], role=Role.SECRETARY, organization=world["a"]["branch2"]
    )
    episode = services.episode_create(
        actor=world["u"]["outflow"],
        member=other,
        reason="study",
        destination_region="杭州",
        contact="1",
        reported_on=TODAY,
        started_on=TODAY,
    )
    cert = services.certificate_request(actor=world["u"]["outflow"], episode=episode)
    services.certificate_stamp(actor=world["u"]["committee"], certificate=cert)
    second = services.certificate_issue(actor=world["u"]["outflow"], certificate=cert)
    assert first.number.endswith("-000001") and second.number.endswith("-000002")


@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_when_issued_at_the_same_time():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("川", parent=root)
    secretary = UserFactory(username="s")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["township"])
    certs = []
    for i in range(4):
        member = MemberFactory(branch=a["branch1"], full=True)
        episode = services.episode_create(
            actor=secretary,
            member=member,
            reason="employment",
            destination_region="杭州",
            contact=str(i),
            reported_on=TODAY,
            started_on=TODAY,
        )
        cert = services.certificate_request(actor=secretary, episode=episode)
        certs.append(services.certificate_stamp(actor=secretary, certificate=cert))
    barrier = threading.Barrier(len(certs))
    errors = []

    def issue(cert):
        try:
            barrier.wait()
            services.certificate_issue(actor=secretary, certificate=cert)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(c,)) for c in certs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert [n.rsplit("-", 1)[1] for n in numbers] == ["000001", "000002", "000003", "000004"]


def test_dates_in_the_future_or_before_the_check_in_are_refused(world):
    cert = checked_in(world)
    u = world["u"]
    tomorrow = TODAY + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.entry_org_life(actor=u["inflow"], certificate=cert, on=tomorrow, description="x")
    assert "on" in error.value.message_dict
    before = TODAY - datetime.timedelta(days=2)  # the check-in was today
    with pytest.raises(ValidationError) as error:
        services.entry_org_life(actor=u["inflow"], certificate=cert, on=before, description="x")
    assert str(TODAY) in error.value.message_dict["on"][0]
    with pytest.raises(ValidationError) as error:
        services.entry_dues(
            actor=u["inflow"],
            certificate=cert,
            period_start=TODAY.replace(day=1),
            months=1,
            amount=Decimal("10"),
            paid_on=before,
        )
    assert "paid_on" in error.value.message_dict
    if tomorrow.year == TODAY.year:
        with pytest.raises(ValidationError) as error:
            services.certificate_review(
                actor=u["outflow"], certificate=cert, year=TODAY.year, reviewed_on=tomorrow
            )
        assert "reviewed_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.certificate_return(actor=u["outflow"], certificate=cert, returned_on=tomorrow)
    assert "returned_on" in error.value.message_dict
    assert not CertificateEntry.objects.exists() and not DuesPayment.objects.exists()


def test_an_episode_without_a_certificate_in_use_is_closed_by_itself(world):
    u = world["u"]
    episode = leave(world)
    cert = services.certificate_request(actor=u["outflow"], episode=episode)
    # With a certificate in use the certificate's own return closes the episode.
    with pytest.raises(ValidationError) as error:
        services.episode_return(actor=u["outflow"], episode=episode, returned_on=TODAY)
    assert str(cert) in error.value.message_dict["status"][0]
    services.certificate_cancel(actor=u["outflow"], certificate=cert, reason="遗失")
    with pytest.raises(Http404):  # only the outflow branch
        services.episode_return(actor=u["inflow"], episode=episode, returned_on=TODAY)
    episode = services.episode_return(
        actor=u["outflow"], episode=episode, returned_on=TODAY, review="已返回"
    )
    assert episode.status == "returned" and episode.returned_on == TODAY
    with pytest.raises(ValidationError):
        services.episode_cancel(actor=u["outflow"], episode=episode, reason="误登记")
    # A registration made in error is cancelled; the member may leave again later.
    second = leave(world)
    with pytest.raises(ValidationError) as error:
        services.episode_cancel(actor=u["outflow"], episode=second, reason=" ")
    assert "reason" in error.value.message_dict
    assert services.episode_cancel(actor=u["outflow"], episode=second, reason="误登记").status == (
        "cancelled"
    )
    assert leave(world).status == "away"


def test_the_inflow_side_loses_the_episode_when_the_member_is_back(world):
    cert = checked_in(world)
    services.entry_org_life(
        actor=world["u"]["inflow"], certificate=cert, on=TODAY, description="学习"
    )
    inflow = world["u"]["inflow"]
    assert Episode.objects.visible_to(inflow).exists()
    assert CertificateEntry.objects.visible_to(inflow).exists()
    services.certificate_return(actor=world["u"]["outflow"], certificate=cert, returned_on=TODAY)
    for model in (Episode, Certificate, CertificateEntry, Member):
        assert not model.objects.visible_to(inflow).exists(), model
    # The outflow branch keeps it all.
    assert CertificateEntry.objects.visible_to(world["u"]["outflow"]).count() == 1


def test_a_secretary_appointed_after_the_check_in_records_dues(world):
    cert = checked_in(world)
    newcomer = UserFactory(username="newcomer")
    RoleAssignmentFactory(user=newcomer, role=Role.SECRETARY, organization=world["b"]["branch1"])
    entry = services.entry_dues(
        actor=newcomer,
        certificate=cert,
        period_start=TODAY.replace(day=1),
        months=1,
        amount=Decimal("15.00"),
        paid_on=TODAY,
    )
    assert entry.dues.member == world["member"]
    assert Member.objects.visible_to(newcomer).filter(pk=world["member"].pk).exists()


def test_grants_last_a_year_even_when_the_expected_return_has_passed(world):
    episode = leave(
        world,
        reported_on=TODAY - datetime.timedelta(days=400),
        started_on=TODAY - datetime.timedelta(days=390),
        expected_return=TODAY - datetime.timedelta(days=200),
    )
    cert = services.certificate_request(actor=world["u"]["outflow"], episode=episode)
    services.certificate_stamp(actor=world["u"]["committee"], certificate=cert)
    cert = services.certificate_issue(actor=world["u"]["outflow"], certificate=cert)
    services.certificate_check_in(
        actor=world["u"]["inflow"],
        number=cert.number,
        code=cert.verification_code,
        inflow_organization=world["b"]["branch1"],
        basis="employer",
    )
    expiry = GrantExpiry.objects.get(permission__user=world["u"]["inflow"])
    assert expiry.expires_at > timezone.now() + datetime.timedelta(days=364)
    assert Member.objects.visible_to(world["u"]["inflow"]).filter(pk=world["member"].pk).exists()


def test_the_outflow_branch_lets_one_member_pay_quarterly(world, client):
    """Document 3, 二（三）2: monthly in principle, quarterly where monthly is really
    difficult — agreed for one member, under a monthly policy."""
    cert = checked_in(world)
    episode = cert.episode
    kwargs = {
        "actor": world["u"]["inflow"],
        "certificate": cert,
        "period_start": datetime.date(TODAY.year, 1, 1),
        "months": 3,
        "amount": Decimal("60"),
        "paid_on": TODAY,
    }
    with pytest.raises(ValidationError):
        services.entry_dues(**kwargs)
    with pytest.raises(ValidationError) as error:
        services.episode_set_dues_period(
            actor=world["u"]["outflow"], episode=episode, quarterly=True, reason=" "
        )
    assert "quarterly_dues_reason" in error.value.message_dict
    # The inflow side may not decide it.
    with pytest.raises((PermissionDenied, Http404)):
        services.episode_set_dues_period(
            actor=world["u"]["inflow"], episode=episode, quarterly=True, reason="经常变换工地"
        )
    client.force_login(world["u"]["outflow"])
    url = reverse("mobility:episode_dues_period", args=[episode.pk])
    assert (
        client.post(url, {"quarterly": "on", "quarterly_dues_reason": "经常变换工地"}).status_code
        == 302
    )
    episode.refresh_from_db()
    assert episode.quarterly_dues and episode.quarterly_dues_reason == "经常变换工地"
    assert services.entry_dues(**kwargs).dues.months == 3
    # Taken back through the API: monthly again.
    response = client.post(
        f"/api/v1/mobile-episodes/{episode.pk}/dues-period/",
        {"quarterly": False},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["quarterly_dues"] is False
    kwargs["period_start"] = datetime.date(TODAY.year, 4, 1)
    with pytest.raises(ValidationError):
        services.entry_dues(**kwargs)
