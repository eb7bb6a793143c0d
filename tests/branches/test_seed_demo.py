import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings

from branches.demo import DEMO_USERS, province_tree, small_tree
from branches.management.commands.seed_demo import DEMO_PASSWORD
from branches.models import Organization, OrgKind, RoleAssignment, User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The small seed, once for this module, rolled back at its end."""
    with django_db_blocker.unblock(), override_settings(DEBUG=True), transaction.atomic():
        call_command("seed_demo", "--scale", "small")
        yield
        transaction.set_rollback(True)


def test_small_seed_has_two_provinces_and_about_200_branches(seeded):
    provinces = Organization.objects.filter(level="province", kind=OrgKind.LOCAL_COMMITTEE)
    assert {p.name for p in provinces} == {"中共浙江省委员会", "中共四川省委员会"}
    branches = Organization.objects.filter(kind=OrgKind.BRANCH).count()
    assert 180 <= branches <= 260
    assert Organization.objects.filter(is_mobile_org=True).exists()
    for org in Organization.objects.exclude(parent=None).select_related("parent"):
        assert org.path == f"{org.parent.path}.{org.pk}"
    zj = provinces.get(code="ZJ")
    assert Organization.objects.within(zj).exclude(province=zj).count() == 0


def test_small_seed_has_about_3000_members_with_dues_and_transfers(seeded):
    from members.models import DuesPayment, Member, Transfer

    assert 2500 <= Member.objects.count() <= 3500
    assert Member.objects.filter(status="probationary").exists()
    assert DuesPayment.objects.count() > 10_000
    pending = Transfer.objects.filter(status="pending").select_related("from_branch", "to_branch")
    assert pending and all(t.from_branch.province != t.to_branch.province for t in pending)
    member_login = User.objects.get(username="xh_member")
    assert list(Member.objects.visible_to(member_login)) == [Member.objects.get(user=member_login)]


def test_small_seed_has_three_months_of_education_with_totals(seeded):
    from education.models import Activity, YearlyTotal

    assert Activity.objects.count() > 100
    me = User.objects.get(username="xh_member").member
    assert YearlyTotal.objects.filter(member=me).exists()


def test_small_seed_shows_every_part_of_education(seeded):
    from branches.models import Reminder
    from education import models as edu
    from members.models import Handling

    assert edu.Teacher.objects.exists() and edu.EducationBase.objects.exists()
    assert edu.Attachment.objects.filter(kind="sign_in").exists()
    assert edu.SelfStudy.objects.filter(member__user__username="xh_member").exists()
    assert edu.YearClosure.objects.filter(organization__code="ZJ").exists()
    assert edu.Campaign.objects.filter(kind="democratic_review", status="closed").exists()
    assert edu.Campaign.objects.filter(kind="party_spirit").exists()
    assert edu.Evaluation.objects.filter(rating="unqualified").exists()
    assert edu.PartyWorker.objects.filter(post="secretary").exists()
    assert Reminder.objects.filter(kind="party_school_due", resolved_at=None).exists()
    assert Handling.objects.filter(reason__contains="严肃批评").exists()


def test_seed_demo_is_idempotent(seeded, capsys):
    from branches.models import CycleRun, Reminder
    from education import models as edu
    from members.models import DuesPayment, Handling, Member

    counted = [
        Organization,
        RoleAssignment,
        User,
        Member,
        DuesPayment,
        Handling,
        edu.Activity,
        edu.Attendance,
        edu.Attachment,
        edu.Teacher,
        edu.SelfStudy,
        edu.Campaign,
        edu.Evaluation,
        edu.PartyWorker,
        edu.PartySchoolTraining,
        edu.YearClosure,
        Reminder,
        CycleRun,
    ]
    before = {model.__name__: model.objects.count() for model in counted}
    events = Organization.pgh_event_model.objects.count()
    call_command("seed_demo", "--scale", "small")
    after = {model.__name__: model.objects.count() for model in counted}
    assert after == before
    assert Organization.pgh_event_model.objects.count() == events
    out = capsys.readouterr().out
    assert "(0 new)," in out and "members: " in out


def test_each_demo_login_sees_its_part_of_the_tree(seeded):
    for demo in DEMO_USERS:
        if demo.org_code and not Organization.objects.filter(code=demo.org_code).exists():
            # Logins of the province-scale tree exist only with --scale province.
            assert not User.objects.filter(username=demo.username).exists()
            continue
        user = User.objects.get(username=demo.username)
        assert user.check_password(DEMO_PASSWORD)
        visible = Organization.objects.visible_to(user)
        if demo.superuser:
            assert visible.count() == Organization.objects.count()
        elif demo.role == "member":
            assert list(visible.values_list("code", flat=True)) == [demo.org_code]
        else:
            org = Organization.objects.get(code=demo.org_code)
            assert set(visible) == set(Organization.objects.within(org))


def test_demo_trees_are_deterministic_and_well_formed():
    assert list(small_tree(7)) == list(small_tree(7))
    assert list(small_tree(7)) != list(small_tree(8))
    specs = list(province_tree(1, cities=2, counties=2, townships=2, branches=3))
    codes = [s.code for s in specs]
    assert len(codes) == len(set(codes))
    seen = {"CN"}
    for spec in specs:
        assert spec.parent_code in seen, f"{spec.code} comes before its parent"
        seen.add(spec.code)
    assert len(specs) == 1 + 2 + 2 * 2 + 2 * 2 * 2 + 2 * 2 * 2 * 3
