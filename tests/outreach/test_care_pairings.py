"""Households in difficulty and pairings (document 2, 二（一）): consent, the
pairing rules, the closing note, and household data kept within the scope."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from outreach import services_care as services
from outreach.models import Household, Pairing, PairingVisit
from tests.outreach.walk_care import care_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
EARLIER = TODAY - datetime.timedelta(days=60)


@pytest.fixture
def world():
    return care_world()


def household(world, org=None, actor=None, **kwargs):
    data = {
        "head_name": "周阿婆",
        "locality": "龙坞村",
        "difficulty": "独居老人，患慢性病",
        "contact": "13912345678",
        "consent_on": EARLIER,
    }
    data.update(kwargs)
    return services.household_create(
        actor=actor or world["u"]["secretary"], organization=org or world["a"]["branch1"], **data
    )


def pair(world, h, member=None, **kwargs):
    return services.pairing_create(
        actor=world["u"]["secretary"],
        member=member or world["member"],
        household=h,
        started_on=kwargs.pop("started_on", EARLIER + datetime.timedelta(days=1)),
        **kwargs,
    )


def test_a_household_is_recorded_only_with_its_consent_date(world):
    with pytest.raises(ValidationError) as error:
        household(world, consent_on=None)
    assert "consent_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        household(world, consent_on=TODAY + datetime.timedelta(days=1))
    assert "consent_on" in error.value.message_dict
    assert not Household.objects.exists()
    assert household(world).consent_on == EARLIER


def test_pairing_an_able_member_and_one_open_pairing_per_member_and_household(world):
    h = household(world)
    p = pair(world, h, goal="帮助申请医疗救助")
    assert p.branch == world["a"]["branch1"] and p.ended_on is None
    with pytest.raises(ValidationError) as error:
        pair(world, h)
    assert "household" in error.value.message_dict
    assert Pairing.objects.count() == 1
    # The database constraint stands behind the message.
    with pytest.raises(IntegrityError), transaction.atomic():
        Pairing.objects.create(
            member=world["member"],
            household=h,
            branch=p.branch,
            started_on=TODAY,
            created_by=world["u"]["secretary"],
        )
    # Another member may pair with the same household.
    pair(world, h, member=world["able"])
    assert Pairing.objects.count() == 2


def test_an_aged_or_infirm_or_departed_member_is_not_paired(world):
    h = household(world)
    with pytest.raises(ValidationError) as error:
        pair(world, h, member=world["aged"])
    assert "member" in error.value.message_dict
    world["able"].left_on, world["able"].left_reason = TODAY, "left"
    world["able"].save()
    with pytest.raises(ValidationError) as error:
        pair(world, h, member=world["able"])
    assert "member" in error.value.message_dict
    assert not Pairing.objects.exists()


def test_pairing_dates_and_closed_households(world):
    h = household(world)
    with pytest.raises(ValidationError) as error:
        pair(world, h, started_on=EARLIER - datetime.timedelta(days=1))
    assert "started_on" in error.value.message_dict  # before the consent
    services.household_close(actor=world["u"]["secretary"], household=h, on=TODAY)
    with pytest.raises(ValidationError) as error:
        pair(world, h)
    assert "household" in error.value.message_dict


def test_a_household_of_another_branch_cannot_be_paired(world):
    other = household(world, org=world["a"]["branch2"], actor=world["u"]["neighbour"])
    with pytest.raises(Http404):
        pair(world, other)
    assert not Pairing.objects.exists()


def test_ending_a_pairing_needs_a_closing_note(world):
    p = pair(world, household(world))
    for note in ("", "   "):
        with pytest.raises(ValidationError) as error:
            services.pairing_end(
                actor=world["u"]["secretary"], pairing=p, ended_on=TODAY, end_note=note
            )
        assert "end_note" in error.value.message_dict
    p.refresh_from_db()
    assert p.ended_on is None
    with pytest.raises(ValidationError) as error:
        services.pairing_end(
            actor=world["u"]["secretary"],
            pairing=p,
            ended_on=p.started_on - datetime.timedelta(days=1),
            end_note="结束",
        )
    assert "ended_on" in error.value.message_dict
    services.pairing_end(
        actor=world["u"]["secretary"], pairing=p, ended_on=TODAY, end_note="已稳定就业，结束帮扶"
    )
    p.refresh_from_db()
    assert p.ended_on == TODAY and p.end_note == "已稳定就业，结束帮扶"
    # A new pairing of the same two may start again after the end.
    pair(world, p.household, started_on=TODAY)
    with pytest.raises(ValidationError):
        services.pairing_visit_record(
            actor=world["u"]["secretary"], pairing=p, on=TODAY, help_given="走访"
        )


def test_closing_a_household_ends_its_open_pairings_with_the_note(world):
    h = household(world)
    p = pair(world, h)
    with pytest.raises(ValidationError) as error:
        services.household_close(actor=world["u"]["secretary"], household=h, on=TODAY)
    assert "note" in error.value.message_dict
    services.household_close(
        actor=world["u"]["secretary"], household=h, on=TODAY, note="已脱困，自强自立"
    )
    p.refresh_from_db()
    h.refresh_from_db()
    assert h.closed_on == TODAY and p.ended_on == TODAY and p.end_note == "已脱困，自强自立"


def test_visits_by_the_branch_and_by_the_paired_member(world):
    p = pair(world, household(world))
    services.pairing_visit_record(
        actor=world["u"]["secretary"],
        pairing=p,
        on=TODAY,
        help_given="送去米面油",
        household_progress="主动打理菜园",
    )
    services.pairing_visit_record(
        actor=world["u"]["member"], pairing=p, on=TODAY, help_given="陪同就医"
    )
    with pytest.raises(ValidationError) as error:
        services.pairing_visit_record(
            actor=world["u"]["member"], pairing=p, on=TODAY, help_given=" "
        )
    assert "help_given" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.pairing_visit_record(
            actor=world["u"]["member"],
            pairing=p,
            on=p.started_on - datetime.timedelta(days=1),
            help_given="走访",
        )
    assert "on" in error.value.message_dict
    assert PairingVisit.objects.filter(pairing=p).count() == 2


def test_the_pages_through_a_pairing(client, world):
    a = world["a"]
    client.force_login(world["u"]["secretary"])
    url = reverse("outreach:pairings", args=[a["branch1"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "钱能干" in page.content.decode() and "孙老人" not in page.content.decode()
    response = client.post(
        url,
        {
            "form": "household",
            "h-head_name": "吴建华",
            "h-locality": "长埭村",
            "h-difficulty": "工伤致残",
            "h-contact": "13800001111",
        },
    )
    assert response.status_code == 200 and not Household.objects.exists()  # no consent date
    response = client.post(
        url,
        {
            "form": "household",
            "h-head_name": "吴建华",
            "h-locality": "长埭村",
            "h-difficulty": "工伤致残",
            "h-contact": "13800001111",
            "h-consent_on": EARLIER.isoformat(),
        },
    )
    assert response.status_code == 302
    h = Household.objects.get()
    response = client.post(
        url,
        {
            "form": "pairing",
            "p-member": world["member"].pk,
            "p-household": h.pk,
            "p-started_on": TODAY.isoformat(),
            "p-goal": "联系就业岗位",
        },
    )
    p = Pairing.objects.get()
    assert response["Location"] == reverse("outreach:pairing", args=[p.pk])
    again = client.post(
        url,
        {
            "form": "pairing",
            "p-member": world["member"].pk,
            "p-household": h.pk,
            "p-started_on": TODAY.isoformat(),
        },
    )
    assert again.status_code == 200 and again.context["pairing_form"].errors["household"]
    detail = reverse("outreach:pairing", args=[p.pk])
    client.post(detail, {"form": "visit", "v-on": TODAY.isoformat(), "v-help_given": "上门走访"})
    assert p.visits.count() == 1
    response = client.post(
        detail, {"form": "end", "e-ended_on": TODAY.isoformat(), "e-end_note": ""}
    )
    assert response.status_code == 200 and response.context["end_form"].errors["end_note"]
    client.post(detail, {"form": "end", "e-ended_on": TODAY.isoformat(), "e-end_note": "已就业"})
    p.refresh_from_db()
    assert p.ended_on == TODAY


def test_household_data_stays_in_the_scope(client, world):
    h = household(world)
    p = pair(world, h)
    services.pairing_visit_record(
        actor=world["u"]["secretary"], pairing=p, on=TODAY, help_given="走访"
    )
    pages = [
        reverse("outreach:household", args=[h.pk]),
        reverse("outreach:pairing", args=[p.pk]),
        reverse("outreach:pairings", args=[world["a"]["branch1"].pk]),
    ]
    apis = [
        f"/api/v1/households/{h.pk}/",
        f"/api/v1/pairings/{p.pk}/",
        f"/api/v1/pairings/{p.pk}/visits/",
    ]
    # Another province's secretary, and the neighbouring branch's, get 404 everywhere.
    for name in ("other", "neighbour"):
        client.force_login(world["u"][name])
        for url in pages + apis:
            assert client.get(url).status_code == 404, (name, url)
        assert (
            client.post(
                pages[1], {"form": "end", "e-ended_on": TODAY, "e-end_note": "x"}
            ).status_code
            == 404
        )
        assert client.get("/api/v1/households/").json()["results"] == []
        assert client.get("/api/v1/pairings/").json()["results"] == []
    # The secretary sees the contact; the paired member sees the pairing but not the contact.
    client.force_login(world["u"]["secretary"])
    assert "13912345678" in client.get(pages[1]).content.decode()
    assert client.get(apis[0]).json()["contact"] == "13912345678"
    client.force_login(world["u"]["member"])
    page = client.get(pages[1])
    assert page.status_code == 200 and "周阿婆" in page.content.decode()
    assert "13912345678" not in page.content.decode()
    mine = client.get(reverse("outreach:my_volunteering"))
    assert "周阿婆" in mine.content.decode() and "13912345678" not in mine.content.decode()
    assert client.get(pages[0]).status_code == 404
    assert client.get(apis[0]).status_code == 404
    rows = client.get("/api/v1/pairings/").json()["results"]
    assert [r["id"] for r in rows] == [p.pk] and "contact" not in str(rows)
    # The member records a visit on their own pairing, not the end.
    client.post(pages[1], {"form": "visit", "v-on": TODAY.isoformat(), "v-help_given": "陪同就医"})
    assert p.visits.count() == 2
    assert (
        client.post(pages[1], {"form": "end", "e-ended_on": TODAY, "e-end_note": "x"}).status_code
        == 403
    )
    # An inspector sees the household without its contact.
    client.force_login(world["u"]["inspector"])
    assert client.get(apis[0]).json()["contact"] == ""
    assert "13912345678" not in client.get(pages[0]).content.decode()


def test_the_pairings_page_takes_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    from tests.factories import MemberFactory

    client.force_login(world["u"]["secretary"])
    url = reverse("outreach:pairings", args=[world["a"]["branch1"].pk])
    h = household(world)
    pair(world, h)
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    for i in range(6):
        m = MemberFactory(branch=world["a"]["branch1"], full=True)
        hh = household(world, head_name=f"户{i}")
        p = pair(world, hh, member=m)
        services.pairing_visit_record(
            actor=world["u"]["secretary"], pairing=p, on=TODAY, help_given="走访"
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)
