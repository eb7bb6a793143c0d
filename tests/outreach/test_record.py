"""The member's outreach record: the numbers equal direct counts, care received
is shown only to the organisation, and the pages show it."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from members.models import Member
from outreach.models import (
    CareRecord,
    Commitment,
    Household,
    Pairing,
    PairingVisit,
    PostHolder,
    ResearchVisit,
    ServicePost,
    VolunteerRecord,
)
from outreach.record import member_record, member_summaries
from tests.factories import MemberFactory, RoleAssignmentFactory, UserFactory, province_tree

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year - 1


def d(month, day, year=YEAR):
    return datetime.date(year, month, day)


def fill(member, user, n=1):
    """A year of outreach for `member` (n sets of records), plus noise in other years."""
    branch = member.branch
    for i in range(n):
        for status in ("approved", "done", "not_done", "submitted", "withdrawn"):
            Commitment.objects.create(
                member=member,
                branch=branch,
                year=YEAR,
                content=f"为村里修路{i}",
                target_date=d(12, 1),
                status=status,
                completed_on=d(11, 1) if status == "done" else None,
                created_by=user,
            )
        Commitment.objects.create(
            member=member,
            branch=branch,
            year=YEAR - 1,
            content="去年的承诺",
            target_date=d(12, 1, YEAR - 1),
            status="done",
            completed_on=d(11, 1, YEAR - 1),
            created_by=user,
        )
        household = Household.objects.create(
            organization=branch,
            head_name=f"王{i}",
            locality="甲村",
            difficulty="因病致贫",
            consent_on=d(1, 1),
            created_by=user,
        )
        open_pairing = Pairing.objects.create(
            member=member, household=household, branch=branch, started_on=d(2, 1), created_by=user
        )
        Pairing.objects.create(
            member=member,
            household=Household.objects.create(
                organization=branch,
                head_name=f"李{i}",
                locality="甲村",
                difficulty="残疾",
                consent_on=d(1, 1),
                created_by=user,
            ),
            branch=branch,
            started_on=d(1, 1, YEAR - 1),
            ended_on=d(6, 1),
            created_by=user,
        )
        for on in (d(3, 1), d(4, 1), d(1, 1, YEAR + 1)):
            PairingVisit.objects.create(
                pairing=open_pairing, on=on, help_given="送米送油", recorded_by=user
            )
        post = ServicePost.objects.create(
            organization=branch, title=f"政策宣传岗{i}", duties="宣传"
        )
        PostHolder.objects.create(
            post=post, member=member, applied=True, status="active", since=d(1, 1)
        )
        old = ServicePost.objects.create(organization=branch, title=f"旧岗{i}", duties="x")
        PostHolder.objects.create(
            post=old,
            member=member,
            applied=False,
            status="ended",
            since=d(1, 1, 2015),
            until=d(1, 1, 2016),
        )
        for kind, hours, on in (
            ("teaching", "2.5", d(5, 1)),
            ("teaching", "3", d(6, 1)),
            ("environment", "4", d(7, 1)),
            ("environment", "8", d(7, 1, YEAR - 1)),
        ):
            VolunteerRecord.objects.create(
                member=member,
                branch=branch,
                kind=kind,
                on=on,
                hours=Decimal(hours),
                description="志愿服务",
                recorded_by=user,
            )
        CareRecord.objects.create(
            member=member,
            branch=branch,
            kind="money",
            on=d(1, 20),
            support="春节慰问",
            amount=Decimal("500"),
            recorded_by=user,
        )
        ResearchVisit.objects.create(
            leader=member,
            started_on=d(3, 10 + i),
            days=Decimal("1"),
            place="甲村",
            findings="x",
            recorded_by=user,
        )


@pytest.fixture
def world():
    a = province_tree("甲")
    staff = UserFactory()
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=a["county"])
    login = UserFactory()
    RoleAssignmentFactory(user=login, role=Role.MEMBER, organization=a["branch1"])
    member = MemberFactory(branch=a["branch1"], full=True, user=login, leadership_level="city")
    fill(member, staff)
    return {"a": a, "staff": staff, "login": login, "member": member}


def test_the_record_equals_direct_counts(world):
    member, staff = world["member"], world["staff"]
    record = member_record(staff, member, YEAR)
    commitments = Commitment.objects.filter(member=member, year=YEAR)
    assert (
        record.commitments_made
        == commitments.filter(status__in=("approved", "done", "not_done")).count()
        == 3
    )
    assert record.commitments_fulfilled == commitments.filter(status="done").count() == 1
    assert record.commitments_not_fulfilled == 1
    assert record.commitments_pending == 1
    assert record.pairings_open == Pairing.objects.filter(member=member, ended_on=None).count()
    assert record.pairings_ended == 1
    assert record.pairing_visits == PairingVisit.objects.filter(on__year=YEAR).count() == 2
    assert [h.post.title for h in record.posts] == ["政策宣传岗0"]
    hours = VolunteerRecord.objects.filter(member=member, on__year=YEAR).aggregate(h=Sum("hours"))
    assert record.volunteer_hours == hours["h"] == Decimal("9.5")
    assert [(h, n) for _label, h, n in record.volunteering] == [(Decimal("5.5"), 2), (4, 1)]
    assert (record.research.done, record.research.required) == (1, 60)
    assert record.care_shown and record.care_times == 1 and record.care_amount == 500


def test_the_member_sees_the_own_record_without_care(world, client):
    member, login = world["member"], world["login"]
    record = member_record(login, member, YEAR)
    assert record.commitments_made == 3
    assert record.volunteer_hours == Decimal("9.5")
    assert not record.care_shown
    client.force_login(login)
    response = client.get(reverse("outreach:mine"))
    assert response.status_code == 200
    records = response.context["records"]
    assert [r.year for r in records] == [YEAR + 1, YEAR]
    assert records[1].commitments_made == 3
    assert not any(r.care_shown for r in records)
    assert response.context["links"]["research"] == reverse("outreach:my_research")
    assert b'data-field="care"' not in response.content


def test_the_member_page_shows_the_record(world, client):
    client.force_login(world["staff"])
    response = client.get(reverse("members:detail", args=[world["member"].pk]))
    assert response.status_code == 200
    assert b'data-field="commitments_made"' in response.content
    assert b'data-field="care"' in response.content


def test_queries_do_not_grow_with_the_records(world):
    staff, member = world["staff"], world["member"]
    with CaptureQueriesContext(connection) as few:
        member_record(staff, member, YEAR)
    fill(member, staff, n=3)
    with CaptureQueriesContext(connection) as many:
        record = member_record(staff, member, YEAR)
    assert len(many) == len(few) <= 20  # outside a request each scope is looked up anew
    assert record.commitments_made == 12


def test_summaries_for_a_list_of_members(world):
    a, staff, member = world["a"], world["staff"], world["member"]
    others = [MemberFactory(branch=a["branch1"], full=True) for _ in range(3)]
    fill(others[0], staff)
    members = Member.objects.filter(branch=a["branch1"])
    with CaptureQueriesContext(connection) as queries:
        summaries = member_summaries(staff, members, YEAR)
    assert len(queries) <= 16
    assert summaries[member.pk].commitments_made == 3
    assert summaries[member.pk].research.done == 1
    assert summaries[others[0].pk].volunteer_hours == Decimal("9.5")
    assert summaries[others[0].pk].research is None
    assert summaries[others[1].pk].commitments_made == 0


def test_the_democratic_review_rows_get_a_summary(world, rf):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = world["staff"]
    template = Template(
        "{% load outreach_record %}{% outreach_summaries rows year as outreach %}"
        "{% for r in rows %}{% with s=outreach|summary_for:r.member.pk %}"
        '{% include "outreach/research/_summary.html" %}{% endwith %}{% endfor %}'
    )
    html = template.render(
        Context({"request": request, "rows": [{"member": world["member"]}], "year": YEAR})
    )
    assert "1/3" in html  # fulfilled / made
    assert "1.0/60" in html  # research days done / required
