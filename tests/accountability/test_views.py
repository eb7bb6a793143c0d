"""Pages and API of rectification orders: the issuing and the receiving side,
scoping (404 outside reach), steps, evidence download, query counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accountability import services
from accountability.models import RectificationOrder
from tests.accountability.walk import PDF

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
API = "/api/v1/rectification-orders/"


def make(world, org, issuer=None, actor="county", days_ago=0, days=30):
    issued_on = TODAY - datetime.timedelta(days=days_ago)
    return services.order_issue(
        actor=world["u"][actor],
        issued_by_org=issuer or world["a"]["county"],
        organization=org,
        source_kind="weak_unit",
        source_ref="整顿通知",
        problem="班子不健全",
        required="补齐支部委员",
        issued_on=issued_on,
        deadline=issued_on + datetime.timedelta(days=days),
    )


def test_issuing_page_lists_overdue_first_and_creates(client, world):
    a = world["a"]
    on_time = make(world, a["branch1"])
    late = make(world, a["branch2"], days_ago=40)
    client.force_login(world["u"]["county"])
    url = reverse("accountability:issued", args=[a["county"].pk])
    response = client.get(url)
    assert response.status_code == 200
    assert [o.pk for o in response.context["page"]] == [late.pk, on_time.pk]
    assert response.context["overdue_total"] == 1
    assert client.get(url, {"overdue": "on"}).context["page"].object_list[0].pk == late.pk
    assert len(client.get(url, {"status": "accepted"}).context["page"]) == 0
    data = {
        "organization": a["township"].pk,
        "source_kind": "inspection",
        "source_ref": "督查",
        "problem": "台账不全",
        "required": "补全台账",
        "issued_on": TODAY.isoformat(),
        "deadline": (TODAY + datetime.timedelta(days=20)).isoformat(),
    }
    response = client.post(url, data)
    order = RectificationOrder.objects.get(organization=a["township"])
    assert response.status_code == 302 and response.url == reverse(
        "accountability:order", args=[order.pk]
    )
    # Bad input: the form says which field, nothing saved.
    bad = {**data, "deadline": (TODAY - datetime.timedelta(days=1)).isoformat()}
    response = client.post(url, bad)
    assert response.status_code == 200 and "deadline" in response.context["form"].errors
    outside = {**data, "organization": world["branch3"].pk}
    response = client.post(url, outside)
    assert response.status_code == 200 and "organization" in response.context["form"].errors
    assert RectificationOrder.objects.count() == 3


def test_receiving_side_and_scoping(client, world):
    a, b = world["a"], world["b"]
    own = make(world, a["branch1"])
    sibling = make(world, a["branch2"])
    other_county = make(world, world["branch3"], issuer=world["county2"], actor="other_county")
    other_province = make(world, b["branch1"], issuer=b["county"], actor="other_province")
    client.force_login(world["u"]["secretary"])
    response = client.get(reverse("accountability:received", args=[a["branch1"].pk]))
    assert [o.pk for o in response.context["page"]] == [own.pk]
    assert client.get(reverse("accountability:order", args=[own.pk])).status_code == 200
    for order in (sibling, other_county, other_province):
        assert client.get(reverse("accountability:order", args=[order.pk])).status_code == 404
        assert client.get(f"{API}{order.pk}/").status_code == 404
        assert client.post(f"{API}{order.pk}/submit/", {}).status_code == 404
    assert client.get(reverse("accountability:received", args=[a["branch2"].pk])).status_code == 404
    assert client.get(reverse("accountability:issued", args=[a["county"].pk])).status_code == 404
    assert [row["id"] for row in client.get(API).json()["results"]] == [own.pk]
    # The county sees its own county's orders, not the other county's.
    client.force_login(world["u"]["county"])
    assert client.get(reverse("accountability:order", args=[other_county.pk])).status_code == 404
    ids = {row["id"] for row in client.get(API).json()["results"]}
    assert ids == {own.pk, sibling.pk}


def test_steps_through_the_pages(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = world["a"]
    order = make(world, a["branch1"])
    step = lambda name: reverse("accountability:order_step", args=[order.pk, name])  # noqa: E731
    client.force_login(world["u"]["secretary"])
    assert client.post(step("accept"), {}).status_code == 403  # the issuer accepts
    response = client.post(
        step("progress"),
        {
            "on": TODAY.isoformat(),
            "progress": "已补选委员",
            "evidence": SimpleUploadedFile("会议记录.pdf", PDF),
        },
    )
    assert response.status_code == 302
    update = order.updates.get()
    download = client.get(reverse("accountability:evidence", args=[update.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    client.post(step("submit"), {"note": ""})
    order.refresh_from_db()
    assert order.status == "submitted"
    # Another branch's secretary: the evidence is 404.
    client.force_login(world["u"]["sibling"])
    assert client.get(reverse("accountability:evidence", args=[update.pk])).status_code == 404
    client.force_login(world["u"]["county"])
    page = client.get(reverse("accountability:order", args=[order.pk]))
    assert page.context["can_accept"] and len(page.context["timeline"]) == 3
    client.post(step("return"), {"note": ""})  # refused: a return needs a note
    order.refresh_from_db()
    assert order.status == "submitted"
    client.post(step("accept"), {"note": "整改到位"})
    order.refresh_from_db()
    assert order.status == "accepted" and order.accepted_by == world["u"]["county"]


def test_api_steps_and_errors(client, world):
    a = world["a"]
    client.force_login(world["u"]["county"])
    payload = {
        "issued_by_org": a["county"].pk,
        "organization": a["branch1"].pk,
        "source_kind": "spot_check",
        "problem": "党费台账不一致",
        "required": "核对台账",
        "deadline": (TODAY + datetime.timedelta(days=10)).isoformat(),
    }
    response = client.post(API, payload, content_type="application/json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    bad = client.post(
        API, {**payload, "organization": world["branch3"].pk}, content_type="application/json"
    )
    assert bad.status_code == 400 and "organization" in bad.json()
    refused = client.post(f"{API}{pk}/accept/", {}, content_type="application/json")
    assert refused.status_code == 400 and "status" in refused.json()
    client.force_login(world["u"]["secretary"])
    response = client.post(f"{API}{pk}/progress/", {"progress": "已核对"})
    assert response.status_code == 201
    assert client.post(f"{API}{pk}/submit/", {}).json()["status"] == "submitted"
    assert client.post(f"{API}{pk}/accept/", {}).status_code == 403
    client.force_login(world["u"]["county"])
    response = client.post(
        f"{API}{pk}/return/", {"note": "不到位"}, content_type="application/json"
    )
    assert response.json()["status"] == "returned"
    detail = client.get(f"{API}{pk}/").json()
    assert len(detail["updates"]) == 1 and detail["overdue"] is False


def test_list_query_counts_are_constant(client, world, django_assert_max_num_queries):
    a = world["a"]
    make(world, a["branch1"])
    urls = [
        reverse("accountability:issued", args=[a["county"].pk]),
        reverse("accountability:received", args=[a["township"].pk]),
        API,
    ]
    client.force_login(world["u"]["county"])
    counts = []
    for url in urls:
        client.get(url)
        with django_assert_max_num_queries(20) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few.captured_queries))
    for i in range(12):
        make(world, a["branch1"] if i % 2 else a["branch2"], days_ago=i * 5)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            client.get(url)
