"""Weak and lax grassroots organisations (document 4, 二（一）3: 及时整顿软弱涣散、
不起作用的基层党组织): registered with one rectification order, consolidated only
after the order is accepted; scoped to both sides."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accountability import services
from accountability.models import RectificationOrder, WeakUnit
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def identify(world, org=None, actor="county", **kwargs):
    fields = {
        "year": TODAY.year,
        "problems": "支部班子不健全，半年未开展组织生活",
        "measures": "县委组织部派员指导，补选支部委员，恢复“三会一课”",
        "deadline": TODAY + datetime.timedelta(days=90),
    }
    fields.update(kwargs)
    return services.weak_unit_identify(
        actor=world["u"][actor],
        identified_by_org=world["a"]["county"],
        organization=org or world["a"]["branch1"],
        **fields,
    )


def accept_order(world, order):
    u = world["u"]
    services.progress_record(actor=u["secretary"], order=order, progress="已补选委员")
    services.order_submit(actor=u["secretary"], order=order)
    return services.order_accept(actor=u["county"], order=order)


def test_registering_orders_the_consolidation_and_it_closes_after_acceptance(world):
    unit = identify(world)
    order = unit.order
    assert order.source_kind == "weak_unit" and order.organization == world["a"]["branch1"]
    assert order.issued_by_org == world["a"]["county"] and order.problem == unit.problems
    with pytest.raises(ValidationError) as error:  # the order is not accepted yet
        services.weak_unit_consolidate(
            actor=world["u"]["county"], unit=unit, consolidated_on=TODAY, result="已整顿"
        )
    assert "status" in error.value.message_dict
    accept_order(world, order)
    with pytest.raises(ValidationError) as error:
        services.weak_unit_consolidate(
            actor=world["u"]["county"], unit=unit, consolidated_on=TODAY, result=" "
        )
    assert "result" in error.value.message_dict
    unit = services.weak_unit_consolidate(
        actor=world["u"]["county"], unit=unit, consolidated_on=TODAY, result="班子配齐，活动正常"
    )
    assert unit.status == "consolidated" and unit.consolidated_on == TODAY
    with pytest.raises(ValidationError):
        services.weak_unit_consolidate(
            actor=world["u"]["county"], unit=unit, consolidated_on=TODAY, result="再次"
        )


def test_bad_input_is_named_and_nothing_is_half_saved(world):
    with pytest.raises(ValidationError) as error:
        identify(world, org=world["a"]["county"].parent)  # a city committee is not grassroots
    assert "organization" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        identify(world, problems="")
    assert "problems" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        identify(world, deadline=TODAY - datetime.timedelta(days=1))
    assert "deadline" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        identify(world, year=TODAY.year - 3)
    assert "year" in error.value.message_dict
    assert not WeakUnit.objects.exists() and not RectificationOrder.objects.exists()
    identify(world)
    with pytest.raises(ValidationError) as error:  # once per organisation and year
        identify(world)
    assert "organization" in error.value.message_dict
    assert WeakUnit.objects.count() == 1 and RectificationOrder.objects.count() == 1


def test_only_the_committee_above_registers_and_decides(world):
    u = world["u"]
    with pytest.raises(Http404):  # another county cannot reach the branch's county
        identify(world, actor="other_county")
    with pytest.raises(PermissionDenied):  # the inspector sees but may not write
        identify(world, actor="inspector")
    unit = identify(world)
    accept_order(world, unit.order)
    with pytest.raises(PermissionDenied):  # the branch sees its own record
        services.weak_unit_consolidate(
            actor=u["secretary"], unit=unit, consolidated_on=TODAY, result="自己说整顿好了"
        )


def test_pages_and_scoping(world, client, django_assert_max_num_queries):
    u = world["u"]
    unit = identify(world)
    identify(world, org=world["a"]["branch2"])
    listing = reverse("accountability:weak_units", args=[world["a"]["county"].pk])
    client.force_login(u["county"])
    with django_assert_max_num_queries(12) as few:
        page = client.get(listing)
    assert page.status_code == 200 and page.content.count(b'data-test="weak-unit"') == 2
    # More rows cost no more queries (the order, both organisations are joined).
    extra = [
        OrganizationFactory(name=f"川新支部{i}", parent=world["a"]["township"]) for i in range(4)
    ]
    for org in extra:
        identify(world, org=org)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(listing)
    assert page.content.count(b'data-test="weak-unit"') == 6
    created = client.post(
        listing,
        {
            "organization": world["a"]["township"].pk,
            "year": TODAY.year,
            "identified_on": TODAY.isoformat(),
            "problems": "党委班子不团结",
            "measures": "调整班子",
            "deadline": (TODAY + datetime.timedelta(days=60)).isoformat(),
        },
    )
    assert created.status_code == 302
    # The branch sees its own record only; the sibling branch sees nothing of it.
    client.force_login(u["secretary"])
    own = client.get(reverse("accountability:weak_units", args=[world["a"]["branch1"].pk]))
    assert own.content.count(b'data-test="weak-unit"') == 1
    assert client.get(reverse("accountability:weak_unit", args=[unit.pk])).status_code == 200
    assert client.post(reverse("accountability:weak_unit", args=[unit.pk]), {}).status_code == 403
    client.force_login(u["sibling"])
    assert client.get(reverse("accountability:weak_unit", args=[unit.pk])).status_code == 404
    client.force_login(u["other_province"])
    assert client.get(reverse("accountability:weak_unit", args=[unit.pk])).status_code == 404
    assert client.get(listing).status_code == 404


def test_the_api(world, client):
    u = world["u"]
    client.force_login(u["county"])
    made = client.post(
        "/api/v1/weak-units/",
        {
            "identified_by_org": world["a"]["county"].pk,
            "organization": world["a"]["branch1"].pk,
            "year": TODAY.year,
            "problems": "不起作用",
            "measures": "整顿",
            "deadline": (TODAY + datetime.timedelta(days=30)).isoformat(),
        },
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    refused = client.post(
        f"/api/v1/weak-units/{pk}/consolidate/",
        {"consolidated_on": TODAY.isoformat(), "result": "好了"},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "status" in refused.json()
    accept_order(world, WeakUnit.objects.get(pk=pk).order)
    done = client.post(
        f"/api/v1/weak-units/{pk}/consolidate/",
        {"consolidated_on": TODAY.isoformat(), "result": "好了"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "consolidated"
    client.force_login(u["other_province"])
    assert client.get(f"/api/v1/weak-units/{pk}/").status_code == 404
    assert client.get("/api/v1/weak-units/").json()["count"] == 0
    outside = client.post(
        f"/api/v1/weak-units/{pk}/consolidate/", {}, content_type="application/json"
    )
    assert outside.status_code == 404


def test_the_order_page_links_back_to_its_source(world, client):
    unit = identify(world)
    client.force_login(world["u"]["secretary"])
    page = client.get(reverse("accountability:order", args=[unit.order_id]))
    assert reverse("accountability:weak_unit", args=[unit.pk]).encode() in page.content
