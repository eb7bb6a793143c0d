"""Figures of a subtree for a year (accountability.figures): each equals a
direct count of its records inside the subtree, never counts rows of another
county or province, says how it is computed and links to a page that lists
its records; all of them together take a bounded number of queries."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.urls import NoReverseMatch, include, path, reverse
from django.utils import timezone

import config.urls
from accountability import figures
from accountability.models import RectificationOrder
from branches.models import OrgKind, Role, Sector
from education.models import Campaign, Evaluation, YearlyTotal
from education.selectors import year_statuses
from members.models import FlagKind, Member, MemberFlag
from mobility.models import Certificate, CertificateReview, Episode
from outreach.models import Case, Commitment, ResearchVisit
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# The lead mounts accountability.figure_urls at /accountability/figures/ in
# config/urls.py; until then the tests mount it themselves.
try:
    reverse("figures:overview", args=[1])
    urlpatterns = config.urls.urlpatterns
except NoReverseMatch:
    urlpatterns = [
        path("accountability/figures/", include("accountability.figure_urls")),
        *config.urls.urlpatterns,
    ]
pytestmark = [pytestmark, pytest.mark.urls(__name__)]

TODAY = timezone.localdate()
YEAR = TODAY.year
_numbers = itertools.count(1)


@pytest.fixture
def staff(world):
    return world["u"]["county"]  # organisation-department staff of a["county"]


@pytest.fixture
def county(world):
    return world["a"]["county"]


def outside(world):
    """A branch of another county of the same province, and one of another province."""
    return [world["branch3"], world["b"]["branch1"]]


def value(key, org, year=YEAR):
    return figures.value_of(key, org, year).value


def assert_records_match(client, user, org, *keys):
    """The generic records page lists as many rows as the figure counts (for a
    user who sees the whole subtree), and renders each of them."""
    client.force_login(user)
    for key in keys:
        response = client.get(figures.value_of(key, org, YEAR).url)
        assert response.status_code == 200, key
        assert response.context["page"].paginator.count == value(key, org), key
        assert response.content.decode().count('data-test="record"') == value(key, org), key


# --- members and organisations ------------------------------------------------------


def test_members_and_organisations(world, county, staff, client):
    a = world["a"]
    for branch in (a["branch1"], a["branch2"], *outside(world)):
        MemberFactory(branch=branch)
    MemberFactory(branch=a["branch1"], left_on=TODAY, left_reason="death")
    OrganizationFactory(
        parent=a["township"], kind=OrgKind.BRANCH, dissolved=datetime.date(YEAR - 1, 5, 1)
    )
    assert value("members", county) == 2
    # township (grassroots committee) + two branches; the dissolved one is not counted
    assert value("grassroots_organizations", county) == 3
    assert value("branches", county) == 2
    # a past year in which the dissolved branch still existed
    assert value("branches", county, YEAR - 2) == 3
    assert_records_match(client, staff, county, "grassroots_organizations", "branches")
    assert value("branches", world["a"]["province"]) == 3  # + the other county's branch


# --- education ----------------------------------------------------------------------


def _studied(branch, hours, sector=Sector.GOVERNMENT, self_study=0, **extra):
    member = MemberFactory(branch=branch, employer_sector=sector, **extra)
    YearlyTotal.objects.create(
        member=member, year=YEAR, hours=Decimal(hours), self_study_hours=Decimal(self_study)
    )
    return member


def test_education_compliance_is_the_rule_of_the_education_pages(world, county, staff):
    a = world["a"]
    _studied(a["branch1"], 96)  # government organ: 12 days × 8 hours, met
    _studied(a["branch1"], 95.5)  # short by half an hour
    _studied(a["branch1"], 48, sector=Sector.RURAL)  # others: 6 days, met
    _studied(a["branch1"], 40, sector=Sector.RURAL, self_study=20)  # self-study not counted
    aged = _studied(a["branch1"], 0)
    MemberFlag.objects.create(
        member=aged, kind=FlagKind.AGED_INFIRM, set_on=TODAY, set_by=staff
    )  # handled individually: compliant
    # branch2 asks 10 days of the other sectors: 48 hours are short there
    PolicyOverrideFactory(organization=a["branch2"], key="education_days_other_sectors", value=10)
    _studied(a["branch2"], 48, sector=Sector.RURAL)
    _studied(a["branch2"], 80, sector=Sector.RURAL)
    MemberFactory(branch=a["branch2"], left_on=TODAY, left_reason="death")  # left: not counted
    MemberFactory(branch=a["branch2"], joined_on=datetime.date(YEAR + 1, 1, 1))  # not yet
    for branch in outside(world):
        _studied(branch, 0)
        _studied(branch, 200)
    # The same members measured by education.selectors.year_statuses.
    statuses = year_statuses(
        Member.objects.current()
        .filter(branch__path__descendant_of=county.path, joined_on__lte=datetime.date(YEAR, 12, 31))
        .select_related("branch"),
        YEAR,
    )
    met = sum(1 for s in statuses if s.compliant)
    assert (len(statuses), met) == (7, 4)
    assert value("education_required", county) == 7
    assert value("education_met", county) == 4
    assert value("education_short", county) == 3
    rate = figures.value_of("education_rate", county, YEAR)
    assert (rate.value, rate.denominator) == (Decimal("57.1"), 7)
    # Where the province counts self-study, the 40 + 20 hours of the rural member meet 6 days.
    PolicyOverrideFactory(organization=a["province"], key="self_study_counts", value="yes")
    assert value("education_met", county) == 5
    # the province: + the two members of the other county
    assert value("education_required", a["province"]) == 9
    assert value("education_short", a["province"]) == 3


def test_education_records_list_the_members_short(world, county, staff, client):
    a = world["a"]
    short = _studied(a["branch1"], 10)
    _studied(a["branch2"], 96)
    _studied(world["branch3"], 0)
    client.force_login(staff)
    response = client.get(figures.value_of("education_short", county, YEAR).url)
    assert response.status_code == 200
    assert [m.pk for m in response.context["page"]] == [short.pk]
    response = client.get(figures.value_of("education_required", county, YEAR).url)
    assert response.context["page"].paginator.count == 2


# --- democratic review --------------------------------------------------------------


def test_democratic_reviews(world, county, staff):
    a = world["a"]
    closed = Campaign.objects.create(
        kind="democratic_review", organization=a["branch1"], year=YEAR, status="closed"
    )
    Campaign.objects.filter(pk=closed.pk).update(complete=True)
    Campaign.objects.create(kind="democratic_review", organization=a["branch2"], year=YEAR)
    Campaign.objects.create(
        kind="democratic_review", organization=a["township"], year=YEAR - 1, status="closed"
    )
    Campaign.objects.create(kind="party_spirit", organization=a["township"], year=YEAR)
    for branch in outside(world):
        Campaign.objects.create(
            kind="democratic_review", organization=branch, year=YEAR, status="closed"
        )
    for rating in ("excellent", "qualified", ""):
        Evaluation.objects.create(
            campaign=closed,
            member=MemberFactory(branch=a["branch1"]),
            rating=rating,
            recorded_by=staff,
        )
    other = Campaign.objects.get(organization=world["branch3"])
    Evaluation.objects.create(
        campaign=other,
        member=MemberFactory(branch=world["branch3"]),
        rating="qualified",
        recorded_by=staff,
    )
    assert value("reviews_due", county) == 3  # township and two branches
    assert value("reviews_closed", county) == 1
    assert value("reviews_complete", county) == 1
    assert value("members_rated", county) == 2
    assert value("reviews_closed", a["province"]) == 2
    # Every two years: the township held one last year, it is not due this year.
    PolicyOverrideFactory(
        organization=a["province"], key="democratic_review_interval_years", value=2
    )
    assert value("reviews_due", county) == 2


# --- mobile members -----------------------------------------------------------------


def _episode(branch, staff, *, inflow=None, started=None, status="away", returned=None):
    return Episode.objects.create(
        member=MemberFactory(branch=branch),
        outflow_branch=branch,
        reason="employment",
        destination_region="广东省深圳市",
        contact="13800000000",
        reported_on=started or TODAY,
        started_on=started or TODAY,
        last_contact_on=started or TODAY,
        inflow_organization=inflow,
        inflow_basis="community" if inflow else "",
        status=status,
        returned_on=returned,
        created_by=staff,
    )


def _certificate(episode, staff, issued_on, status="issued"):
    n = next(_numbers)
    return Certificate.objects.create(
        episode=episode,
        member=episode.member,
        number=f"FIG{n:05d}",
        status=status,
        requested_by=staff,
        issued_at=timezone.make_aware(datetime.datetime.combine(issued_on, datetime.time(10))),
        verification_code=f"FIGV{n:06d}",
    )


def test_mobile_members(world, county, staff, client):
    a = world["a"]
    long_ago = TODAY - datetime.timedelta(days=800)
    away = _episode(a["branch1"], staff, started=long_ago)
    _episode(a["branch2"], staff, inflow=world["branch3"])  # away, managed in the other county
    _episode(
        a["branch1"], staff, started=long_ago, status="returned", returned=long_ago
    )  # came back
    _episode(a["branch1"], staff, status="cancelled")
    inflow = _episode(world["branch3"], staff, inflow=a["branch2"])  # managed here
    _episode(
        world["b"]["branch1"],
        staff,
        inflow=a["branch1"],
        status="returned",
        returned=TODAY - datetime.timedelta(days=1),
    )  # no longer here
    _episode(world["b"]["branch1"], staff)
    assert value("mobile_away", county) == 2
    assert value("mobile_in", county) == 1
    assert value("mobile_away", a["province"]) == 3
    # Certificates: overdue when not reviewed within a year of the issue or last review.
    overdue = _certificate(away, staff, TODAY - datetime.timedelta(days=400))
    reviewed_episode = _episode(a["branch2"], staff, started=long_ago)
    reviewed = _certificate(reviewed_episode, staff, TODAY - datetime.timedelta(days=500))
    CertificateReview.objects.create(
        certificate=reviewed,
        year=YEAR,
        organization=a["branch2"],
        reviewed_on=TODAY - datetime.timedelta(days=30),
        reviewed_by=staff,
    )
    fresh = _certificate(_episode(a["branch2"], staff), staff, TODAY)
    _certificate(inflow, staff, TODAY - datetime.timedelta(days=400))  # the other county's
    assert value("certificates_review_overdue", county) == 1
    assert_records_match(
        client, staff, county, "certificates_review_overdue", "certificates_issued"
    )
    assert value("certificates_issued", county) == (1 if fresh.issued_at.year == YEAR else 0) + sum(
        1 for c in (overdue, reviewed) if c.issued_at.year == YEAR
    )
    assert (
        value("certificates_issued", county, YEAR - 1)
        == Certificate.objects.filter(
            episode__outflow_branch__path__descendant_of=county.path, issued_at__year=YEAR - 1
        ).count()
    )
    # A county rule of two years: the certificate issued 400 days ago is still valid.
    PolicyOverrideFactory(
        organization=a["branch1"], key="certificate_review_interval_years", value=2
    )
    assert value("certificates_review_overdue", county) == 0
    assert value("certificates_review_overdue", a["province"]) == 1  # the other county's


# --- serving the masses -------------------------------------------------------------


def test_commitments_cases_and_research(world, county, staff, client):
    a = world["a"]
    for branch, status in [
        (a["branch1"], "submitted"),
        (a["branch1"], "done"),
        (a["branch2"], "not_done"),
        (a["branch2"], "draft"),
        (a["branch2"], "withdrawn"),
        *[(b, "done") for b in outside(world)],
    ]:
        Commitment.objects.create(
            member=MemberFactory(branch=branch),
            branch=branch,
            year=YEAR,
            content="为群众办实事",
            target_date=datetime.date(YEAR, 12, 1),
            status=status,
            completed_on=datetime.date(YEAR, 1, 1) if status == "done" else None,
            created_by=staff,
        )
    Commitment.objects.create(
        member=MemberFactory(branch=a["branch1"]),
        branch=a["branch1"],
        year=YEAR - 1,
        content="去年的承诺",
        target_date=datetime.date(YEAR - 1, 12, 1),
        status="done",
        completed_on=datetime.date(YEAR - 1, 11, 1),
        created_by=staff,
    )
    assert value("commitments_made", county) == 3
    assert value("commitments_fulfilled", county) == 1
    assert_records_match(client, staff, county, "commitments_made", "commitments_fulfilled")

    def case(org, received, due, status="open"):
        Case.objects.create(
            organization=org,
            channel="hotline",
            received_on=received,
            requester_name="王大妈",
            request="小区路灯坏了",
            handler=staff,
            feedback_due=due,
            status=status,
            feedback_on=None if status == "open" else received,
            created_by=staff,
        )

    yesterday = TODAY - datetime.timedelta(days=1)
    case(a["branch1"], datetime.date(YEAR, 1, 1), yesterday)  # overdue
    case(a["township"], datetime.date(YEAR, 1, 1), yesterday, status="solved")
    case(a["branch2"], datetime.date(YEAR - 1, 6, 1), datetime.date(YEAR - 1, 6, 16))  # overdue
    case(a["branch2"], TODAY, TODAY + datetime.timedelta(days=15))
    for org in outside(world):
        case(org, datetime.date(YEAR, 1, 1), yesterday)
    assert value("cases_received", county) == 3
    assert value("cases_overdue", county) == 2
    assert_records_match(client, staff, county, "cases_received")

    def leader(branch, level, days):
        member = MemberFactory(branch=branch, leadership_level=level)
        days = Decimal(str(days))
        month = 1
        while days > 0:  # a visit lasts at most 31 days
            chunk = min(days, Decimal(30))
            days -= chunk
            month += 1
            ResearchVisit.objects.create(
                leader=member,
                started_on=datetime.date(YEAR, month, 2),
                days=chunk,
                place="甲村",
                findings="x",
                recorded_by=staff,
            )
        return member

    leader(a["branch1"], "county", 60)  # 2 months × 30 days: met
    leader(a["branch1"], "county", 59.5)  # short
    leader(a["branch2"], "provincial", 30)  # 1 month: met
    leader(a["branch2"], "city", 0)  # short
    MemberFactory(branch=a["branch2"])  # not a leader
    leader(world["branch3"], "county", 0)
    assert value("research_short", county) == 2
    PolicyOverrideFactory(organization=a["branch1"], key="research_days_per_month", value=20)
    assert value("research_short", county) == 1  # 40 days required in branch1
    assert value("research_short", a["province"]) == 2


# --- rectification ------------------------------------------------------------------


def test_rectification_orders(world, county, staff, client):
    a = world["a"]

    def order(org, status="issued", issued_on=None, deadline=None):
        return RectificationOrder.objects.create(
            organization=org,
            issued_by_org=a["province"],
            source_kind="inspection",
            problem="“三会一课”记录不全",
            required="补全记录",
            issued_on=issued_on or TODAY,
            deadline=deadline or TODAY + datetime.timedelta(days=30),
            status=status,
            accepted_by=staff if status == "accepted" else None,
            accepted_at=timezone.now() if status == "accepted" else None,
            submitted_at=timezone.now() if status == "accepted" else None,
            created_by=staff,
        )

    yesterday = TODAY - datetime.timedelta(days=1)
    order(a["branch1"])
    order(a["branch2"], status="accepted")
    order(a["county"], deadline=yesterday, issued_on=yesterday)  # overdue
    order(a["branch1"], status="cancelled")
    order(
        a["branch1"],
        issued_on=datetime.date(YEAR - 1, 3, 1),
        deadline=datetime.date(YEAR - 1, 5, 1),
    )
    for org in outside(world):
        order(org, deadline=yesterday, issued_on=yesterday)
    issued_this_year = 3 if yesterday.year == YEAR else 2
    assert value("rectifications_issued", county) == issued_this_year
    assert value("rectifications_accepted", county) == 1
    assert value("rectifications_overdue", county) == 2  # + last year's, still worked on
    assert value("rectifications_overdue", a["province"]) == 3
    assert_records_match(client, staff, county, "rectifications_issued", "rectifications_accepted")


# --- every figure -------------------------------------------------------------------


def test_every_figure_says_how_and_links_to_its_records(world, county, staff, client):
    client.force_login(staff)
    assert set(figures.FIGURES) >= {
        "members",
        "education_rate",
        "reviews_closed",
        "mobile_away",
        "commitments_made",
        "cases_overdue",
        "rectifications_overdue",
    }
    for key, figure in figures.FIGURES.items():
        assert str(figure.label) and str(figure.formula), key
        assert figure.unit in ("count", "percent", "days"), key
        url = figure.records_url(county, YEAR)
        assert url, key
        assert client.get(url).status_code == 200, (key, url)
    response = client.get(reverse("figures:overview", args=[county.pk]), {"year": YEAR})
    assert response.status_code == 200
    assert response.content.decode().count('data-test="figure"') == len(figures.FIGURES)
    assert dict(figures.choices()).keys() == figures.FIGURES.keys()


def test_records_pages_are_scoped(world, county, staff, client):
    a = world["a"]
    _studied(a["branch1"], 0)
    _studied(a["branch2"], 0)
    url = figures.value_of("education_short", county, YEAR).url
    # The secretary of branch1 sees the county's page only if the county is visible...
    secretary = world["u"]["secretary"]
    client.force_login(secretary)
    assert client.get(url).status_code == 404
    # ...and on the branch's page only the branch's members.
    response = client.get(figures.value_of("education_short", a["branch1"], YEAR).url)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    # Another county's staff: 404, whatever the figure.
    client.force_login(world["u"]["other_county"])
    assert client.get(url).status_code == 404
    base = reverse("figures:records", args=[county.pk])
    assert client.get(base, {"figure": "no_such_figure"}).status_code == 404
    # An unknown figure, or one with a list page of its own: the year's overview.
    client.force_login(staff)
    overview = reverse("figures:overview", args=[county.pk])
    for figure in ("no_such_figure", "members", ""):
        response = client.get(base, {"figure": figure, "year": YEAR - 1})
        assert response.status_code == 302
        assert response["Location"] == f"{overview}?year={YEAR - 1}"


def test_values_of_takes_a_bounded_number_of_queries(world, county, django_assert_max_num_queries):
    a = world["a"]
    for branch in (a["branch1"], a["branch2"]):
        _studied(branch, 50)
    PolicyOverrideFactory(organization=a["branch2"], key="education_days_other_sectors", value=10)
    # Measured: one query per figure, plus one for the policies in force of
    # the four education figures, leaders' research, due reviews and
    # certificate reviews (31 for 23 figures); at most two per figure.
    with django_assert_max_num_queries(31):
        values = figures.values_of(county, YEAR)
    assert len(values) == len(figures.FIGURES)
    assert len(figures.FIGURES) == 23


def test_records_page_queries_do_not_grow_with_rows(
    world, county, staff, client, django_assert_max_num_queries
):
    client.force_login(staff)
    for i in range(3):
        _studied(world["a"]["branch1"], i)
    url = figures.value_of("education_required", county, YEAR).url
    with django_assert_max_num_queries(12):
        assert client.get(url).status_code == 200
    for i in range(20):
        _studied(world["a"]["branch2"], i)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.context["page"].paginator.count == 23


def test_an_org_staff_user_sees_the_overview_of_a_sibling_county_as_404(world, client):
    user = UserFactory(username="fig_staff")
    RoleAssignmentFactory(user=user, role=Role.ORG_STAFF, organization=world["county2"])
    client.force_login(user)
    url = reverse("figures:overview", args=[world["a"]["county"].pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("figures:overview", args=[world["county2"].pk])).status_code == 200


def test_a_member_of_the_branch_gets_403_on_the_overview(world, client):
    user = UserFactory(username="fig_member")
    RoleAssignmentFactory(user=user, role=Role.MEMBER, organization=world["a"]["branch1"])
    client.force_login(user)
    url = reverse("figures:overview", args=[world["a"]["branch1"].pk])
    assert client.get(url).status_code == 403
