"""Volunteering and public-welfare activities (document 2, 二（四））: hours,
donations, several members at once (all or none), the member's own entries,
yearly totals equal to a direct count, the .xlsx export, query counts."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches.models import ExportRecord
from outreach import selectors_care as selectors
from outreach import services_care as services
from outreach.models import VolunteerRecord
from tests.factories import MemberFactory
from tests.outreach.walk_care import care_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world():
    return care_world()


def record(world, members=None, actor=None, **kwargs):
    data = {
        "kind": "environment",
        "on": TODAY,
        "hours": Decimal("2"),
        "description": "湖滨垃圾清捡",
        "organiser": "街道团工委",
    }
    data.update(kwargs)
    return services.volunteering_record(
        actor=actor or world["u"]["secretary"],
        organization=world["a"]["branch1"],
        members=members if members is not None else [world["member"], world["able"]],
        **data,
    )


@pytest.mark.parametrize("hours", ["0", "-1", "24.5", "30", "1.3"])
def test_hours_are_more_than_0_at_most_24_in_half_hours(world, hours):
    with pytest.raises(ValidationError) as error:
        record(world, hours=Decimal(hours))
    assert "hours" in error.value.message_dict
    assert not VolunteerRecord.objects.exists()


@pytest.mark.parametrize("hours", ["0.5", "1.5", "24"])
def test_half_hours_and_a_full_day_are_accepted(world, hours):
    assert record(world, hours=Decimal(hours))[0].hours == Decimal(hours)


def test_a_donation_needs_its_amount_and_only_a_donation_has_one(world):
    with pytest.raises(ValidationError) as error:
        record(world, kind="donation")
    assert "amount" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(world, kind="teaching", amount=Decimal("50"))
    assert "amount" in error.value.message_dict
    done = record(world, kind="donation", amount=Decimal("200"), hours=Decimal("0"))
    assert [r.amount for r in done] == [Decimal("200.00")] * 2


def test_a_future_date_and_an_empty_description_are_refused(world):
    with pytest.raises(ValidationError) as error:
        record(world, on=TODAY + datetime.timedelta(days=1))
    assert "on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        record(world, description="  ")
    assert "description" in error.value.message_dict


def test_several_members_at_once_all_or_nothing(world):
    assert len(record(world)) == 2
    assert VolunteerRecord.objects.count() == 2
    departed = MemberFactory(branch=world["a"]["branch1"], left_on=TODAY, left_reason="left")
    for bad in (departed, world["other_member"]):
        with pytest.raises(ValidationError) as error:
            record(world, members=[world["member"], world["able"], bad])
        assert "members" in error.value.message_dict
        assert bad.name in error.value.message_dict["members"][0]
    with pytest.raises(ValidationError) as error:
        record(world, members=[])
    assert "members" in error.value.message_dict
    assert VolunteerRecord.objects.count() == 2


def test_the_page_records_for_several_members_or_none(client, world):
    client.force_login(world["u"]["secretary"])
    url = reverse("outreach:volunteering", args=[world["a"]["branch1"].pk])
    data = {
        "members": [world["member"].pk, world["able"].pk],
        "kind": "teaching",
        "on": TODAY.isoformat(),
        "hours": "3.5",
        "description": "山区小学支教",
    }
    assert client.post(url, data).status_code == 302
    assert VolunteerRecord.objects.filter(kind="teaching", hours=Decimal("3.5")).count() == 2
    bad = dict(data, members=[world["member"].pk, world["other_member"].pk])
    response = client.post(url, bad)
    assert response.status_code == 200 and response.context["form"].errors["members"]
    bad = dict(data, hours="25")
    response = client.post(url, bad)
    assert response.status_code == 200 and response.context["form"].errors["hours"]
    assert VolunteerRecord.objects.count() == 2


def test_a_member_records_their_own_and_the_branch_may_delete_it(client, world):
    client.force_login(world["u"]["member"])
    url = reverse("outreach:my_volunteering")
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "next_generation",
            "on": TODAY.isoformat(),
            "hours": "1.5",
            "description": "辅导作业",
        },
    )
    assert response.status_code == 302
    own = VolunteerRecord.objects.get()
    assert own.member == world["member"] and own.recorded_by == world["u"]["member"]
    # The member cannot record for others, nor on the branch page.
    branch_page = reverse("outreach:volunteering", args=[world["a"]["branch1"].pk])
    assert client.post(branch_page, {"members": [world["able"].pk]}).status_code == 403
    # The branch sees it marked as the member's own entry, and deletes it.
    client.force_login(world["u"]["secretary"])
    page = client.get(branch_page)
    assert page.context["records"][0].self_entered is True
    client.post(reverse("outreach:volunteering_delete", args=[own.pk]))
    assert not VolunteerRecord.objects.exists()
    # A member may not delete what the branch recorded.
    branch_record = record(world)[0]
    client.force_login(world["u"]["member"])
    response = client.post(reverse("outreach:volunteering_delete", args=[branch_record.pk]))
    assert response.status_code == 403
    assert VolunteerRecord.objects.filter(pk=branch_record.pk).exists()


def test_yearly_totals_equal_a_direct_count(world):
    last_year = TODAY.replace(year=TODAY.year - 1, day=1)
    record(world, hours=Decimal("2"))
    record(world, members=[world["member"]], kind="teaching", hours=Decimal("4.5"))
    record(world, members=[world["able"]], kind="donation", hours=Decimal("0"), amount=100)
    record(world, members=[world["member"]], on=last_year, hours=Decimal("8"))
    totals = {
        m.pk: m
        for m in selectors.volunteering_totals(
            world["u"]["secretary"], world["a"]["branch1"], year=TODAY.year
        )
    }
    for member in (world["member"], world["able"], world["aged"]):
        direct = VolunteerRecord.objects.filter(member=member, on__year=TODAY.year).aggregate(
            hours=Sum("hours"), n=Count("pk")
        )
        row = totals[member.pk]
        assert row.hours == (direct["hours"] or 0) and row.records == direct["n"]
    row = totals[world["member"].pk]
    assert row.hours == Decimal("6.5") and row.records == 2
    assert sorted((h, n) for _label, h, n in selectors.by_kind(row)) == [
        (Decimal("2.0"), 1),
        (Decimal("4.5"), 1),
    ]
    # The kind filter.
    only = {
        m.pk: m
        for m in selectors.volunteering_totals(
            world["u"]["secretary"], world["a"]["branch1"], year=TODAY.year, kind="teaching"
        )
    }
    assert only[world["member"].pk].hours == Decimal("4.5")
    assert only[world["able"].pk].records == 0
    # A member who left but volunteered this year is still counted.
    world["able"].left_on, world["able"].left_reason = TODAY, "transferred_out"
    world["able"].save()
    ids = {
        m.pk
        for m in selectors.volunteering_totals(
            world["u"]["secretary"], world["a"]["branch1"], year=TODAY.year
        )
    }
    assert world["able"].pk in ids


def test_the_xlsx_export_holds_the_years_records(client, world):
    record(world, hours=Decimal("2.5"))
    record(
        world, members=[world["able"]], kind="donation", amount=Decimal("88"), hours=Decimal("1")
    )
    record(
        world, members=[world["member"]], on=TODAY.replace(year=TODAY.year - 1), hours=Decimal("3")
    )
    client.force_login(world["u"]["secretary"])
    url = reverse("outreach:volunteering_export", args=[world["a"]["branch1"].pk])
    response = client.get(url, {"year": TODAY.year})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("日期", "党员", "所在支部", "类别", "时长（小时）")
    body = rows[1:]
    assert len(body) == 3
    assert sorted(r[1] for r in body) == sorted(["赵帮扶", "钱能干", "钱能干"])
    assert sum(r[4] for r in body) == 6.0
    donation = next(r for r in body if r[3] == "捐赠")
    assert donation[7] == 88
    # The kind filter applies; another province's secretary gets 404.
    response = client.get(url, {"year": TODAY.year, "kind": "donation"})
    rows = list(
        load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(
            values_only=True
        )
    )
    assert len(rows) == 2
    assert [r.row_count for r in ExportRecord.objects.order_by("at", "pk")] == [3, 1]
    assert ExportRecord.objects.filter(what="outreach.volunteering").count() == 2
    client.force_login(world["u"]["other"])
    assert client.get(url).status_code == 404
    assert ExportRecord.objects.count() == 2


def test_the_volunteering_page_takes_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    client.force_login(world["u"]["secretary"])
    url = reverse("outreach:volunteering", args=[world["a"]["branch1"].pk])
    record(world)
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    extra = [MemberFactory(branch=world["a"]["branch1"], full=True) for _ in range(8)]
    for kind in ("teaching", "poverty", "environment"):
        record(world, members=extra, kind=kind)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200
    client.force_login(world["u"]["member"])
    my = reverse("outreach:my_volunteering")
    client.get(my)
    with django_assert_max_num_queries(30) as small:
        client.get(my)
    record(world, members=[world["member"]], kind="poverty")
    record(world, members=[world["member"]], kind="teaching")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(my)


def test_volunteering_out_of_scope_is_404(client, world):
    rec = record(world)[0]
    client.force_login(world["u"]["other"])
    for url in (
        reverse("outreach:volunteering", args=[world["a"]["branch1"].pk]),
        f"/api/v1/volunteering/{rec.pk}/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("outreach:volunteering_delete", args=[rec.pk])).status_code == 404
    assert client.delete(f"/api/v1/volunteering/{rec.pk}/").status_code == 404
    assert VolunteerRecord.objects.filter(pk=rec.pk).exists()
