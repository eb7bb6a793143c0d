"""What the dashboards count: values per organisation and year, own rows only.

A source's `own(root, year, only)` counts the rows of `root`'s subtree that
each organisation owns itself (a member's branch, a case's organisation...),
or only those of the organisation `only` when given, and returns
{organisation id: {key: value}} (monthly sources: {(organisation id, month): ...}).
Values add up: the total of an organisation's subtree is its own value plus
its children's totals, which is what `dashboards.rollups` stores. Rates are
derived from two counts when read.

Counts reuse the querysets of `accountability.figures`, so the subtree total
of a key that is also a figure equals that figure (tests check it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.db.models.functions import ExtractMonth
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accountability import figures as F
from branches.models import Organization, Sector

Own = dict[int, dict[str, int]]


@dataclass(frozen=True)
class Source:
    keys: tuple[str, ...]
    own: Callable[[Organization, int, int | None], Own]
    monthly: bool = False


@dataclass(frozen=True)
class Metric:
    key: str
    label: str  # lazy text
    group: str  # lazy text
    # (organization, year) -> the page listing the records counted
    records_url: Callable[[Organization, int], str | None] | None = None
    figure: str | None = None  # the accountability figure it equals
    # A rate: (numerator key, denominator key); the value is a percentage.
    rate_of: tuple[str, str] | None = None
    # Smaller is better (shown red when it grows), e.g. overdue counts.
    lower_is_better: bool = False

    def url(self, organization: Organization, year: int) -> str | None:
        if self.records_url is not None:
            return self.records_url(organization, year)
        if self.figure:
            return F.FIGURES[self.figure].records_url(organization, year)
        return None


def _counted(rows, owner: str, **counts) -> Callable[[Organization, int, int | None], Own]:
    """own() of per-`owner` counts over `rows(root, year)`. `counts` maps keys
    to a Q filter on the rows (or None for all rows). Rows carrying aggregate
    annotations are counted through their primary keys."""

    def own(root: Organization, year: int, only: int | None = None) -> Own:
        queryset = rows(root, year)
        if only is not None:
            queryset = queryset.filter(**{owner: only})
        if queryset.query.group_by is not None or any(
            getattr(a, "contains_aggregate", False) for a in queryset.query.annotations.values()
        ):
            queryset = queryset.model.objects.filter(pk__in=queryset.values("pk"))
        aggregates = {
            key: Count("pk", filter=q) if q is not None else Count("pk")
            for key, q in counts.items()
        }
        result: Own = {}
        for row in queryset.order_by().values(owner).annotate(**aggregates):
            values = {key: row[key] for key in counts if row[key]}
            if values:
                result[row[owner]] = values
        return result

    return own


def _grouped(items, key_of_org, key: str) -> Own:
    result: Own = defaultdict(dict)
    for item in items:
        org_id = key_of_org(item)
        result[org_id][key] = result[org_id].get(key, 0) + 1
    return dict(result)


# --- members ----------------------------------------------------------------------


def _members(root, year):
    from members.models import Member

    return Member.objects.current().filter(branch__path__descendant_of=root.path)


SECTOR_KEYS = {value: f"members_sector_{value}" for value in Sector.values}

_member_counts = {
    "members": None,
    "members_full": Q(status="full"),
    "members_probationary": Q(status="probationary"),
    **{key: Q(employer_sector=value) for value, key in SECTOR_KEYS.items()},
}


# --- education ----------------------------------------------------------------------


def _education(root, year):
    return F.education_members(root, year)


def _rotation_overdue(root: Organization, year: int, only: int | None = None) -> Own:
    from education.selectors import RotationState, rotation_status, workers_within

    workers = workers_within(root)
    if only is not None:
        workers = workers.filter(organization_id=only)
    overdue = [
        s
        for s in rotation_status(workers, F.reference_day(year), attention_within=root)
        if s.state == RotationState.OVERDUE
    ]
    return _grouped(overdue, lambda s: s.worker.organization_id, "party_school_overdue")


def _lectures_missing(root: Organization, year: int, only: int | None = None) -> Own:
    from education.selectors import leaders_without_lecture
    from members.models import Member

    members = Member.objects.filter(branch_id=only) if only is not None else None
    missing = leaders_without_lecture(root, year, members)
    return _grouped(missing, lambda row: row.member.branch_id, "leaders_without_lecture")


def _monthly_activity(root: Organization, year: int, only: int | None = None) -> Own:
    from education.models import CREDITED, Activity, Attendance

    activities = Activity.objects.filter(
        organization__path__descendant_of=root.path, starts_at__year=year
    )
    attendance = Attendance.objects.filter(
        activity__organization__path__descendant_of=root.path, activity__starts_at__year=year
    )
    if only is not None:
        activities = activities.filter(organization_id=only)
        attendance = attendance.filter(activity__organization_id=only)
    result: Own = defaultdict(dict)
    for row in (
        activities.order_by()
        .annotate(month=ExtractMonth("starts_at"))
        .values("organization_id", "month")
        .annotate(n=Count("pk"))
    ):
        result[(row["organization_id"], row["month"])]["activities"] = row["n"]
    for row in (
        attendance.order_by()
        .annotate(month=ExtractMonth("activity__starts_at"))
        .values("activity__organization_id", "month")
        .annotate(expected=Count("pk"), present=Count("pk", filter=Q(status__in=CREDITED)))
    ):
        cell = result[(row["activity__organization_id"], row["month"])]
        cell["attendance_expected"] = row["expected"]
        if row["present"]:
            cell["attendance_present"] = row["present"]
    return dict(result)


# --- mobility -----------------------------------------------------------------------


def _episodes_out(root, year):
    from mobility.models import Episode

    return Episode.objects.filter(outflow_branch__path__descendant_of=root.path)


def _episodes_in(root, year):
    from mobility.models import Episode

    return Episode.objects.filter(inflow_organization__path__descendant_of=root.path)


def _returned_in(year):
    from mobility.models import EpisodeStatus

    return Q(status=EpisodeStatus.RETURNED, returned_on__year=year)


# --- outreach and rectification -----------------------------------------------------


def _cases_now(root, year):
    from outreach.models import Case

    return Case.objects.filter(organization__path__descendant_of=root.path)


def _orders_now(root, year):
    from accountability.models import RectificationOrder

    return RectificationOrder.objects.filter(organization__path__descendant_of=root.path)


def _sources() -> list[Source]:
    from accountability.models import RectificationStatus
    from accountability.selectors import overdue_q as order_overdue_q
    from education.models import CampaignStatus
    from outreach.models import CaseStatus
    from outreach.selectors_cases import overdue_q as case_overdue_q

    return [
        Source(tuple(_member_counts), _counted(_members, "branch", **_member_counts)),
        Source(
            ("education_required", "education_met"),
            _counted(
                _education, "branch", education_required=None, education_met=Q(compliant=True)
            ),
        ),
        Source(("reviews_due",), _counted(F._reviews_due, "pk", reviews_due=None)),
        Source(
            ("reviews_held", "reviews_closed"),
            _counted(
                F._reviews,
                "organization",
                reviews_held=None,
                reviews_closed=Q(status=CampaignStatus.CLOSED),
            ),
        ),
        Source(("mobile_away", "mobile_returned"), _mobile_out),
        Source(("mobile_in",), _mobile_in),
        Source(
            ("certificates_review_overdue",),
            _counted(
                F._certificates_overdue_q,
                "episode__outflow_branch",
                certificates_review_overdue=None,
            ),
        ),
        Source(
            ("commitments_made", "commitments_fulfilled"),
            _counted(
                F._commitments_q,
                "branch",
                commitments_made=None,
                commitments_fulfilled=Q(status="done"),
            ),
        ),
        Source(
            ("cases_received",),
            _counted(F._cases_q, "organization", cases_received=None),
        ),
        # Filters on today's date are built on each call, never once per process.
        Source(
            ("cases_open", "cases_overdue"),
            lambda root, year, only=None: _counted(
                _cases_now,
                "organization",
                cases_open=Q(status=CaseStatus.OPEN),
                cases_overdue=case_overdue_q(),
            )(root, year, only),
        ),
        Source(
            ("rectifications_issued", "rectifications_accepted"),
            _counted(
                F._orders_q,
                "organization",
                rectifications_issued=None,
                rectifications_accepted=Q(status=RectificationStatus.ACCEPTED),
            ),
        ),
        Source(
            ("rectifications_open", "rectifications_overdue"),
            lambda root, year, only=None: _counted(
                _orders_now,
                "organization",
                rectifications_open=~Q(
                    status__in=[RectificationStatus.ACCEPTED, RectificationStatus.CANCELLED]
                ),
                rectifications_overdue=order_overdue_q(),
            )(root, year, only),
        ),
        Source(("research_short",), _counted(_research_short_rows, "branch", research_short=None)),
        Source(("party_school_overdue",), _rotation_overdue),
        Source(("leaders_without_lecture",), _lectures_missing),
        Source(
            ("activities", "attendance_expected", "attendance_present"),
            _monthly_activity,
            monthly=True,
        ),
    ]


def _mobile_out(root: Organization, year: int, only: int | None = None) -> Own:
    return _counted(
        _episodes_out,
        "outflow_branch",
        mobile_away=F._away_on(F.reference_day(year)),
        mobile_returned=_returned_in(year),
    )(root, year, only)


def _mobile_in(root: Organization, year: int, only: int | None = None) -> Own:
    return _counted(
        _episodes_in, "inflow_organization", mobile_in=F._away_on(F.reference_day(year))
    )(root, year, only)


def _research_short_rows(root, year):
    return F.research_short_leaders(root, year)


SOURCES: list[Source] = []
YEAR_KEYS: tuple[str, ...] = ()
MONTH_KEYS: tuple[str, ...] = ()


def sources() -> list[Source]:
    """The sources (built once: they import the apps' models)."""
    global YEAR_KEYS, MONTH_KEYS
    if not SOURCES:
        SOURCES.extend(_sources())
        YEAR_KEYS = tuple(k for s in SOURCES if not s.monthly for k in s.keys)
        MONTH_KEYS = tuple(k for s in SOURCES if s.monthly for k in s.keys)
    return SOURCES


# --- what the dashboard shows ---------------------------------------------------------


def _with_query(url: str, **params) -> str:
    return f"{url}?{urlencode(params)}"


def _members_page(**filters):
    def url(organization: Organization, year: int) -> str:
        return _with_query(reverse("members:list"), branch=organization.pk, **filters)

    return url


def _org_page(name: str, **params):
    def url(organization: Organization, year: int) -> str:
        return _with_query(reverse(name, args=[organization.pk]), year=year, **params)

    return url


GROUP_MEMBERS = _("Members")
GROUP_EDUCATION = _("Education")
GROUP_REVIEW = _("Democratic review")
GROUP_MOBILITY = _("Mobile members")
GROUP_OUTREACH = _("Serving the masses")
GROUP_RECTIFICATION = _("Rectification")

METRICS: dict[str, Metric] = {
    m.key: m
    for m in [
        Metric("members", _("Members"), GROUP_MEMBERS, _members_page(), figure="members"),
        Metric("members_full", _("Full members"), GROUP_MEMBERS, _members_page(status="full")),
        Metric(
            "members_probationary",
            _("Probationary members"),
            GROUP_MEMBERS,
            _members_page(status="probationary"),
        ),
        Metric(
            "education_required",
            _("Members measured for education hours"),
            GROUP_EDUCATION,
            figure="education_required",
        ),
        Metric(
            "education_met",
            _("Members who met the hours"),
            GROUP_EDUCATION,
            figure="education_met",
        ),
        Metric(
            "education_rate",
            _("Education compliance rate"),
            GROUP_EDUCATION,
            figure="education_rate",
            rate_of=("education_met", "education_required"),
        ),
        Metric(
            "education_short",
            _("Members short of hours"),
            GROUP_EDUCATION,
            figure="education_short",
            lower_is_better=True,
        ),
        Metric(
            "party_school_overdue",
            _("Party workers overdue for party-school training"),
            GROUP_EDUCATION,
            _org_page("education:party-school"),
            lower_is_better=True,
        ),
        Metric(
            "leaders_without_lecture",
            _("Leaders without their party lecture"),
            GROUP_EDUCATION,
            _org_page("education:leader-lectures"),
            lower_is_better=True,
        ),
        Metric("reviews_due", _("Democratic reviews due"), GROUP_REVIEW, figure="reviews_due"),
        Metric(
            "reviews_closed", _("Democratic reviews done"), GROUP_REVIEW, figure="reviews_closed"
        ),
        Metric("mobile_away", _("Mobile members away"), GROUP_MOBILITY, figure="mobile_away"),
        Metric(
            "mobile_returned",
            _("Mobile members returned this year"),
            GROUP_MOBILITY,
            lambda org, year: _with_query(
                reverse("mobility:database", args=[org.pk]), side="out", status="returned"
            ),
        ),
        Metric(
            "mobile_in", _("Mobile members managed (inflow)"), GROUP_MOBILITY, figure="mobile_in"
        ),
        Metric(
            "certificates_review_overdue",
            _("Certificates due for review"),
            GROUP_MOBILITY,
            figure="certificates_review_overdue",
            lower_is_better=True,
        ),
        Metric(
            "commitments_made",
            _("Commitments made"),
            GROUP_OUTREACH,
            figure="commitments_made",
        ),
        Metric(
            "commitments_fulfilled",
            _("Commitments fulfilled"),
            GROUP_OUTREACH,
            figure="commitments_fulfilled",
        ),
        Metric(
            "cases_open",
            _("Cases being handled"),
            GROUP_OUTREACH,
            lambda org, year: reverse("outreach:cases", args=[org.pk]),
        ),
        Metric(
            "cases_overdue",
            _("Cases overdue"),
            GROUP_OUTREACH,
            figure="cases_overdue",
            lower_is_better=True,
        ),
        Metric(
            "research_short",
            _("Leaders short of research days"),
            GROUP_OUTREACH,
            figure="research_short",
            lower_is_better=True,
        ),
        Metric(
            "rectifications_open",
            _("Rectification orders open"),
            GROUP_RECTIFICATION,
            lambda org, year: reverse("accountability:received", args=[org.pk]),
        ),
        Metric(
            "rectifications_overdue",
            _("Rectification orders overdue"),
            GROUP_RECTIFICATION,
            figure="rectifications_overdue",
            lower_is_better=True,
        ),
    ]
}

# Figures derived from counts when read.
DERIVED = {
    "education_short": lambda v: v.get("education_required", 0) - v.get("education_met", 0),
}


def value(key: str, values: dict[str, int]):
    """The value of `key` from a total's counts (rates in percent, one decimal)."""
    metric = METRICS.get(key)
    if metric is not None and metric.rate_of:
        numerator, denominator = metric.rate_of
        return F.rate(values.get(numerator, 0), values.get(denominator, 0))
    if key in DERIVED:
        return DERIVED[key](values)
    return values.get(key, 0)
