"""Care for members in hardship: only members with an active hardship flag; the
page lists them, those not helped this year first."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from members.models import MemberFlag
from outreach import services_care as services
from outreach.models import CareRecord
from tests.factories import MemberFactory
from tests.outreach.walk_care import care_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world():
    return care_world()


def care(world, member=None, **kwargs):
    data = {"kind": "visit", "on": TODAY, "support": "上门慰问"}
    data.update(kwargs)
    return services.care_record(
        actor=world["u"]["secretary"], member=member or world["poor"], **data
    )


def test_care_only_for_members_in_hardship(world):
    with pytest.raises(ValidationError) as error:
        care(world, member=world["able"])
    assert "member" in error.value.message_dict
    flag = MemberFlag.objects.get(member=world["poor"])
    assert care(world).branch == world["a"]["branch1"]
    flag.cleared_on = TODAY
    flag.save()
    with pytest.raises(ValidationError) as error:
        care(world)
    assert "member" in error.value.message_dict
    assert CareRecord.objects.count() == 1


def test_financial_support_needs_its_amount(world):
    with pytest.raises(ValidationError) as error:
        care(world, kind="money")
    assert "amount" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        care(world, kind="material", amount=Decimal("-5"))
    assert "amount" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        care(world, support="")
    assert "support" in error.value.message_dict
    assert care(world, kind="money", amount=Decimal("500")).amount == Decimal("500")


def test_the_care_page_lists_those_not_helped_this_year_first(
    client, world, django_assert_max_num_queries
):
    helped = world["poor"]
    care(world, member=helped)
    never = MemberFactory(branch=world["a"]["branch1"], name="王从未", full=True)
    last_year = MemberFactory(branch=world["a"]["branch1"], name="刘去年", full=True)
    for m in (never, last_year):
        MemberFlag.objects.create(
            member=m, kind="hardship", set_on=TODAY, set_by=world["u"]["secretary"]
        )
    care(world, member=last_year, on=TODAY.replace(year=TODAY.year - 1, month=6, day=1))
    client.force_login(world["u"]["secretary"])
    url = reverse("outreach:care", args=[world["a"]["branch1"].pk])
    with django_assert_max_num_queries(30) as first:
        page = client.get(url)
    first_count = len(first.captured_queries)
    order = [m.pk for m in page.context["members"]]
    assert order == [never.pk, last_year.pk, helped.pk]
    assert world["able"].pk not in order
    # Refusing a member who is not in hardship, with the message on the field.
    response = client.post(
        url,
        {"member": world["able"].pk, "kind": "visit", "on": TODAY.isoformat(), "support": "慰问"},
    )
    assert response.status_code == 200 and response.context["form"].errors["member"]
    response = client.post(
        url,
        {"member": never.pk, "kind": "visit", "on": TODAY.isoformat(), "support": "慰问"},
    )
    assert response.status_code == 302
    for _ in range(5):
        m = MemberFactory(branch=world["a"]["branch1"], full=True)
        MemberFlag.objects.create(
            member=m, kind="hardship", set_on=TODAY, set_by=world["u"]["secretary"]
        )
        care(world, member=m)
    with django_assert_max_num_queries(first_count):
        client.get(url)
    # Out of scope: 404 on the page and on the API.
    client.force_login(world["u"]["other"])
    assert client.get(url).status_code == 404
    record = CareRecord.objects.first()
    assert client.get(f"/api/v1/care-records/{record.pk}/").status_code == 404
    # The inspector sees the page but may not record.
    client.force_login(world["u"]["inspector"])
    assert client.get(url).status_code == 200
    assert client.post(url, {"member": never.pk}).status_code == 403
