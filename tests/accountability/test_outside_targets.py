"""An organisation out of the user's reach, named by id in a write,
is refused without its name, its kind or its records showing in the error."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accountability import services
from accountability.models import RectificationOrder, WeakUnit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DEADLINE = TODAY + datetime.timedelta(days=60)


def _identify(world, actor, by, org):
    return services.weak_unit_identify(
        actor=world["u"][actor],
        identified_by_org=by,
        organization=org,
        year=TODAY.year,
        problems="班子不健全",
        measures="派员指导",
        deadline=DEADLINE,
    )


def test_weak_unit_service_says_nothing_about_an_organisation_out_of_reach(world):
    a, b = world["a"], world["b"]
    _identify(world, "county", a["county"], a["branch1"])
    for outside in (a["branch1"], a["county"]):  # registered already / not grassroots
        with pytest.raises(ValidationError) as error:
            _identify(world, "other_province", b["county"], outside)
        text = " ".join(error.value.messages)
        assert "organization" in error.value.message_dict
        assert outside.name not in text and "already" not in text, text
    assert WeakUnit.objects.count() == 1 and RectificationOrder.objects.count() == 1


@pytest.mark.parametrize(
    "url, data",
    [
        (
            "/api/v1/weak-units/",
            {"year": TODAY.year, "problems": "不起作用", "measures": "整顿"},
        ),
        (
            "/api/v1/rectification-orders/",
            {"source_kind": "other", "problem": "台账缺失", "required": "补齐"},
        ),
    ],
)
def test_api_refuses_an_outside_target_without_naming_it(client, world, url, data):
    a, b = world["a"], world["b"]
    issuer = "identified_by_org" if "weak" in url else "issued_by_org"
    client.force_login(world["u"]["county"])
    for outside in (b["branch1"], b["county"]):
        response = client.post(
            url,
            {issuer: a["county"].pk, "organization": outside.pk, "deadline": str(DEADLINE), **data},
            content_type="application/json",
        )
        assert response.status_code == 400 and "organization" in response.json()
        assert outside.name not in response.content.decode()
    assert not RectificationOrder.objects.exists()


def test_inspection_api_refuses_an_outside_organisation_without_naming_it(client, world):
    a, b = world["a"], world["b"]
    client.force_login(world["u"]["county"])
    response = client.post(
        "/api/v1/inspections/",
        {
            "organizing_org": a["county"].pk,
            "organizations": [a["branch1"].pk, b["branch1"].pk],
            "kind": "supervision",
            "title": "督查",
            "period_start": str(TODAY),
            "period_end": str(TODAY),
            "items": ["三会一课"],
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "organizations" in response.json()
    assert b["branch1"].name not in response.content.decode()


def test_a_commendation_to_an_awarder_not_above_says_nothing_about_it(client, world):
    a, b = world["a"], world["b"]
    client.force_login(world["u"]["county"])
    payload = {
        "kind": "advanced_org",
        "year": TODAY.year,
        "nominated_by": a["county"].pk,
        "nominee_org": a["branch1"].pk,
        "deeds": "组织生活规范",
    }
    response = client.post(
        "/api/v1/commendations/",
        {**payload, "awarded_by": b["province"].pk},
        content_type="application/json",
    )
    assert response.status_code == 400 and "awarded_by" in response.json()
    assert b["province"].name not in response.content.decode()
    above = client.post(
        "/api/v1/commendations/",
        {**payload, "awarded_by": a["city"].pk},
        content_type="application/json",
    )
    assert above.status_code == 201, above.content
