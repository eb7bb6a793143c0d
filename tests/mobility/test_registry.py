"""The mobile-member information database (document 3, 三（三）): out and in
sides of an organisation's subtree, filters, .xlsx export, scoping."""

import datetime
import io
import uuid
from decimal import Decimal

import pytest
from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from branches.models import ExportRecord, OrgKind, OrgLevel, Role
from members.models import DuesPayment
from mobility import registry
from mobility.models import (
    Certificate,
    CertificateEntry,
    CertificateReview,
    Episode,
    MemberReport,
)
from tests.factories import (
    ActorFactory,
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def make_episode(member, actor, **fields) -> Episode:
    values = {
        "member": member,
        "outflow_branch": member.branch,
        "reason": "employment",
        "destination_region": "广东省深圳市",
        "contact": "13800000000",
        "reported_on": fields.get("started_on", D(2025, 3, 1)) - datetime.timedelta(days=3),
        "started_on": D(2025, 3, 1),
        "last_contact_on": fields.get("started_on", D(2025, 3, 1)),
        "created_by": actor,
    }
    values.update(fields)
    if values.get("inflow_organization") and not values.get("inflow_basis"):
        values["inflow_basis"] = "employer"
    return Episode.objects.create(**values)


def make_certificate(episode, actor, status="checked_in", **fields) -> Certificate:
    values = {
        "episode": episode,
        "member": episode.member,
        "status": status,
        "requested_by": actor,
        "verification_code": uuid.uuid4().hex[:16],
    }
    if status not in ("requested", "stamped", "cancelled"):
        values["number"] = f"LD-{uuid.uuid4().hex[:8]}"
    values.update(fields)
    return Certificate.objects.create(**values)


def build_world() -> dict:
    """Province A's county with out and in episodes, province B's with its own.

    For A's county and 2025 the figures are: out at year end 2 (深圳 and 杭州),
    in 1 (from B), new 2, returned 1, certificate issued 1, checked in 1,
    reviewed 1, org-life entries 2, dues entries 1, yearly reports due 1 and
    received 1, lost contact 1, probationary away 1.
    """
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    b = province_tree("乙", parent=root)
    actor = ActorFactory()
    shenzhen = make_episode(
        MemberFactory(branch=a["branch1"], name="张深圳", full=True),
        actor,
        inflow_organization=b["branch1"],
        started_on=D(2025, 3, 1),
        last_contact_on=D(2025, 11, 1),
    )
    cert = make_certificate(
        shenzhen,
        actor,
        issued_at=aware(D(2025, 3, 10)),
        checked_in_org=b["branch1"],
        checked_in_at=aware(D(2025, 3, 20)),
    )
    CertificateReview.objects.create(
        certificate=cert,
        year=2025,
        organization=a["branch1"],
        reviewed_on=D(2025, 12, 1),
        reviewed_by=actor,
    )
    for day in (D(2025, 5, 10), D(2025, 6, 10)):
        CertificateEntry.objects.create(
            certificate=cert,
            kind="org_life",
            on=day,
            organization=b["branch1"],
            recorded_by=actor,
        )
    dues = DuesPayment.objects.create(
        member=shenzhen.member,
        period_start=D(2025, 5, 1),
        months=1,
        amount=Decimal("10.00"),
        paid_on=D(2025, 5, 10),
        received_by=b["branch1"],
        recorded_by=actor,
    )
    CertificateEntry.objects.create(
        certificate=cert,
        kind="dues",
        on=D(2025, 5, 10),
        organization=b["branch1"],
        dues=dues,
        recorded_by=actor,
    )
    MemberReport.objects.create(
        episode=shenzhen, kind="yearly", year=2025, on=D(2025, 11, 1), submitted_by=actor
    )
    hangzhou = make_episode(
        MemberFactory(branch=a["branch2"], name="李杭州"),  # probationary
        actor,
        reason="study",
        destination_region="浙江省杭州市",
        started_on=D(2025, 9, 1),
        lost_contact_since=D(2025, 12, 1),
    )
    returned = make_episode(
        MemberFactory(branch=a["branch1"], name="王返乡", full=True),
        actor,
        destination_region="广东省广州市",
        started_on=D(2024, 1, 10),
        status="returned",
        returned_on=D(2025, 6, 30),
    )
    make_episode(
        MemberFactory(branch=a["branch2"], name="赵取消", full=True),
        actor,
        started_on=D(2025, 2, 1),
        status="cancelled",
    )
    inbound = make_episode(
        MemberFactory(branch=b["branch2"], name="钱流入", full=True),
        actor,
        destination_region="四川省阆中市",
        started_on=D(2024, 5, 1),
        inflow_organization=a["branch1"],
    )
    make_certificate(
        inbound,
        actor,
        issued_at=aware(D(2024, 4, 20)),
        checked_in_org=a["branch1"],
        checked_in_at=aware(D(2025, 1, 5)),
    )
    elsewhere = make_episode(
        MemberFactory(branch=b["branch1"], name="孙别处", full=True),
        actor,
        destination_region="广东省深圳市",
        inflow_organization=b["branch2"],
    )
    return {
        "a": a,
        "b": b,
        "actor": actor,
        "shenzhen": shenzhen,
        "hangzhou": hangzhou,
        "returned": returned,
        "inbound": inbound,
        "elsewhere": elsewhere,
    }


@pytest.fixture
def world():
    return build_world()


def county_client(client, county, role=Role.ORG_STAFF):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=role, organization=county)
    client.force_login(user)
    return user


def names(queryset) -> set[str]:
    return {e.member.name for e in queryset}


def test_the_county_database_lists_its_out_and_in_sides_and_nothing_else(world):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.ORG_STAFF, organization=world["a"]["county"])
    county = world["a"]["county"]
    out = registry.database_episodes(
        user=user, organization=county, filters=registry.DatabaseFilters(side="out")
    )
    inside = registry.database_episodes(
        user=user, organization=county, filters=registry.DatabaseFilters(side="in")
    )
    assert names(out) == {"张深圳", "李杭州", "王返乡", "赵取消"}
    assert names(inside) == {"钱流入"}


def test_filters_narrow_the_list(world):
    user = UserFactory()
    county = world["a"]["county"]
    RoleAssignmentFactory(user=user, role=Role.ORG_STAFF, organization=county)
    today = D(2026, 3, 15)

    def out(**kw):
        return names(
            registry.database_episodes(
                user=user,
                organization=county,
                filters=registry.DatabaseFilters(side="out", **kw),
                today=today,
            )
        )

    assert out(status="away") == {"张深圳", "李杭州"}
    assert out(region="杭州") == {"李杭州"}
    assert out(reason="study") == {"李杭州"}
    # away more than 10 months on 2026-03-15: left before 2025-05-15 and still away
    assert out(away_months=10) == {"张深圳"}
    assert out(lost_contact=True) == {"李杭州"}
    assert out(certificate="checked_in") == {"张深圳"}
    assert out(certificate="none") == {"李杭州", "王返乡", "赵取消"}
    assert out(q="深圳") == {"张深圳"}


def test_bad_filter_values_are_ignored_not_errors():
    filters = registry.DatabaseFilters.from_params(
        {"side": "sideways", "status": "gone", "away_months": "x", "certificate": "lost"}
    )
    assert filters == registry.DatabaseFilters()


def test_the_page_shows_the_tabs_and_is_bounded_in_queries(
    client, world, django_assert_max_num_queries
):
    county = world["a"]["county"]
    county_client(client, county)
    for i in range(30):
        make_episode(
            MemberFactory(branch=world["a"]["branch1"], name=f"外出{i}", full=True),
            world["actor"],
            started_on=D(2025, 4, 1),
        )
    url = reverse("mobility:database", args=[county.pk])
    with django_assert_max_num_queries(15):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "张深圳" in html and "外出29" in html and "钱流入" not in html
    inbound = client.get(url, {"side": "in"}).content.decode()
    assert "钱流入" in inbound and "张深圳" not in inbound


def test_the_organisation_page_links_to_the_database(client, world):
    county = world["a"]["county"]
    county_client(client, county)
    html = client.get(reverse("branches:detail", args=[county.pk])).content.decode()
    assert reverse("mobility:database", args=[county.pk]) in html
    assert reverse("mobility:year-report", args=[county.pk]) in html


def test_another_countys_secretary_gets_404_and_sees_none_of_it(client, world):
    county_client(client, world["b"]["county"])
    a_county = world["a"]["county"]
    assert client.get(reverse("mobility:database", args=[a_county.pk])).status_code == 404
    assert client.get(reverse("mobility:database-export", args=[a_county.pk])).status_code == 404
    # B's county sees its own inbound row (张深圳 checked in there) but not A's others
    own = client.get(
        reverse("mobility:database", args=[world["b"]["county"].pk]), {"side": "in"}
    ).content.decode()
    assert "张深圳" in own and "李杭州" not in own


def test_export_streams_the_same_filtered_rows_as_xlsx(client, world):
    county = world["a"]["county"]
    user = county_client(client, county)
    response = client.get(
        reverse("mobility:database-export", args=[county.pk]),
        {"side": "out", "status": "away"},
    )
    assert response.status_code == 200
    assert isinstance(response, FileResponse)
    assert response.streaming
    assert ".xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == str(registry.HEADERS[0][0])  # gettext: the active language
    assert {r[0] for r in rows[1:]} == {"张深圳", "李杭州"}
    shenzhen = next(r for r in rows[1:] if r[0] == "张深圳")
    assert shenzhen[3] == "广东省深圳市" and shenzhen[9] == "乙支部1"
    record = ExportRecord.objects.get()
    assert (record.user, record.organization, record.row_count) == (user, county, 2)
    assert record.what == "mobility.database" and "status=away" in record.path


def test_api_lists_one_side_and_404s_outside(client, world):
    county = world["a"]["county"]
    county_client(client, county)
    url = reverse("v1:mobile-database-list")
    out = client.get(url, {"organization": county.pk, "side": "out", "status": "away"}).json()
    assert {r["member_name"] for r in out["results"]} == {"张深圳", "李杭州"}
    shenzhen = next(r for r in out["results"] if r["member_name"] == "张深圳")
    assert shenzhen["certificate_status"] == "checked_in"
    inbound = client.get(url, {"organization": county.pk, "side": "in"}).json()
    assert [r["member_name"] for r in inbound["results"]] == ["钱流入"]
    assert client.get(url, {"organization": world["b"]["county"].pk}).status_code == 404
    missing = client.get(url)
    assert missing.status_code == 400 and "organization" in missing.json()


def test_api_rows_carry_months_away_and_contact_like_the_page_and_xlsx(client, world):
    county = world["a"]["county"]
    county_client(client, county)
    url = reverse("v1:mobile-database-list")
    out = client.get(url, {"organization": county.pk, "side": "out", "status": "away"}).json()
    shenzhen = next(r for r in out["results"] if r["member_name"] == "张深圳")
    episode = world["shenzhen"]
    assert shenzhen["contact"] == episode.contact
    assert shenzhen["months_away"] == registry.months_away(episode, timezone.localdate())
