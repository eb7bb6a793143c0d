"""Figures of an organisation's subtree for a year, each traceable to its records.

The annual written report (书面报告) is pre-filled with them and the
assessment scorecards compute their indicators from them. Every figure has
a label, the formula in words, and a link to the list of records it counts,
so a reader can check the number.

Each `compute` is one aggregate query over the subtree (`path <@ org.path`),
plus at most one query for the policy figures in force; no row is loaded into
Python. Rules are those of the apps that own the records (education
compliance, the certificate review, research days...): policy figures that
vary down the tree are turned into a SQL CASE on the path (`policy_case`),
with the nearest override winning, as in `branches.policies`.

Callers check that the user may see `organization` (scoping.can / require)
before computing; the record pages behind `url` apply `visible_to` again.
Figures without a list page of their own have `records` (the rows counted,
as the user may see them) and `columns`; `figures:records` shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.db.models import (
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from branches.models import Organization


@dataclass(frozen=True)
class Figure:
    key: str
    label: str  # lazy text
    formula: str  # lazy text: how the value is computed, in words
    unit: str  # "count", "percent", "days"
    compute: Callable[[Organization, int], tuple[Decimal | int, Decimal | int | None]]
    # (organization, year) -> the page listing the records counted, or None
    records_url: Callable[[Organization, int], str | None]
    # For figures shown on the generic records page (figures:records):
    # (user, organization, year) -> the rows counted that the user may see,
    # and the columns (label, dotted attribute) to show of each row.
    records: Callable | None = None
    columns: tuple[tuple[str, str], ...] = field(default=())
    group: str = ""  # lazy text: the heading the figure is listed under


@dataclass(frozen=True)
class FigureValue:
    figure: Figure
    value: Decimal | int
    # For rates: value = numerator / denominator × 100; None for plain counts.
    denominator: Decimal | int | None
    url: str | None

    @property
    def key(self) -> str:
        return self.figure.key


FIGURES: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    if figure.key in FIGURES:
        raise ValueError(f"figure {figure.key!r} registered twice")
    FIGURES[figure.key] = figure
    return figure


def value_of(key: str, organization: Organization, year: int) -> FigureValue:
    figure = FIGURES[key]
    value, denominator = figure.compute(organization, year)
    return FigureValue(
        figure=figure,
        value=value,
        denominator=denominator,
        url=figure.records_url(organization, year),
    )


def values_of(
    organization: Organization, year: int, keys: list[str] | None = None
) -> list[FigureValue]:
    """The figures (all, or `keys` in that order) of `organization`'s subtree in `year`."""
    return [value_of(key, organization, year) for key in (keys or list(FIGURES))]


def choices() -> list[tuple[str, str]]:
    return [(key, figure.label) for key, figure in FIGURES.items()]


# --- helpers ------------------------------------------------------------------------


def reference_day(year: int) -> date:
    """The day a state is read on: today in the current year, else 31 December."""
    today = timezone.localdate()
    return today if year >= today.year else date(year, 12, 31)


def rate(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator × 100, one decimal; 0 when nothing is counted."""
    if not denominator:
        return Decimal("0.0")
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


def policy_case(keys, organization: Organization, on: date, path_ref: str, convert=None) -> dict:
    """For each policy key, an expression giving the figure in force on `on` for
    the organisation at `path_ref` (a path lookup, e.g. "branch__path") in the
    subtree of `organization`. One query: the overrides in force on the path
    above `organization` give the base, those inside the subtree become WHEN
    branches, the deepest first (the nearest override wins).

    `convert(key, value)` maps a cleaned figure to the Python value put into
    the expression (default: the figure itself).
    """
    from branches.models import PolicyOverride
    from branches.policies import POLICIES, in_force_q

    convert = convert or (lambda key, value: value)
    rows = list(
        PolicyOverride.objects.filter(in_force_q(on), key__in=list(keys))
        .filter(
            Q(organization__path__ancestor_of=organization.path)
            | Q(organization__path__descendant_of=organization.path)
        )
        .order_by("organization__depth", "organization_id")
        .values_list("key", "organization__path", "organization__depth", "value")
    )
    expressions = {}
    for key in keys:
        policy = POLICIES[key]
        base = policy.clean(policy.default)
        below = []
        for row_key, path, depth, value in rows:
            if row_key != key:
                continue
            if depth <= organization.depth:  # on the path above (or at) the organisation
                base = policy.clean(value)
            else:
                below.append((depth, path, policy.clean(value)))
        base_value = convert(key, base)
        output = _output_field(base_value)
        if not below:
            expressions[key] = Value(base_value, output_field=output)
            continue
        below.sort(key=lambda item: -item[0])  # deepest first: the nearest override wins
        expressions[key] = Case(
            *[
                When(**{f"{path_ref}__descendant_of": path}, then=Value(convert(key, value)))
                for _depth, path, value in below
            ],
            default=Value(base_value),
            output_field=output,
        )
    return expressions


def _output_field(value):
    if isinstance(value, date):
        return DateField()
    if isinstance(value, Decimal):
        return DecimalField(max_digits=12, decimal_places=2)
    return IntegerField()


def _records_page(key: str):
    """records_url of a figure shown on the generic records page."""

    def url(organization: Organization, year: int) -> str | None:
        try:
            page = reverse("figures:records", args=[organization.pk])
        except NoReverseMatch:  # accountability.figure_urls not mounted in this URLconf
            return None
        return _with_query(page, figure=key, year=year)

    return url


def _with_query(url: str, **params) -> str:
    return f"{url}?{urlencode(params)}" if params else url


def _scoped(model, user, queryset):
    """Rows of `queryset` that `user` may see."""
    return queryset.filter(pk__in=model.objects.visible_to(user).values("pk"))


# --- members and organisations ------------------------------------------------------

GROUP_ORGS = _("Members and organisations")
GROUP_EDUCATION = _("Education of members")
GROUP_REVIEW = _("Democratic review")
GROUP_MOBILITY = _("Mobile members")
GROUP_OUTREACH = _("Serving the masses")
GROUP_RECTIFICATION = _("Rectification")


def _members_in_subtree(organization: Organization, year: int):
    from members.models import Member

    count = Member.objects.current().filter(branch__path__descendant_of=organization.path).count()
    return count, None


def _organization_page(organization: Organization, year: int) -> str:
    return reverse("branches:detail", args=[organization.pk])


register(
    Figure(
        key="members",
        label=_("Members"),
        formula=_("Members on the rolls (not left) whose branch is in the subtree, today."),
        unit="count",
        compute=_members_in_subtree,
        records_url=_organization_page,
        group=GROUP_ORGS,
    )
)


def grassroots_kinds():
    from education.services import GRASSROOTS_KINDS

    return GRASSROOTS_KINDS


def _organizations(organization: Organization, year: int, kinds):
    return Organization.objects.filter(
        Q(dissolved__isnull=True) | Q(dissolved__gt=reference_day(year)),
        path__descendant_of=organization.path,
        kind__in=kinds,
    )


def _organizations_compute(kinds):
    def compute(organization: Organization, year: int):
        return _organizations(organization, year, kinds()).count(), None

    return compute


def _organizations_records(kinds):
    def records(user, organization: Organization, year: int):
        return (
            Organization.objects.visible_to(user)
            .filter(pk__in=_organizations(organization, year, kinds()).values("pk"))
            .select_related("parent")
            .order_by("path")
        )

    return records


ORG_COLUMNS = (
    (_("Organisation"), "name"),
    (_("Kind"), "get_kind_display"),
    (_("Parent"), "parent.name"),
)

register(
    Figure(
        key="grassroots_organizations",
        label=_("Grassroots party organisations"),
        formula=_(
            "Grassroots party committees, general branches and branches in the subtree not "
            "dissolved on the reference day (today, or 31 December of a past year)."
        ),
        unit="count",
        compute=_organizations_compute(grassroots_kinds),
        records_url=_records_page("grassroots_organizations"),
        records=_organizations_records(grassroots_kinds),
        columns=ORG_COLUMNS,
        group=GROUP_ORGS,
    )
)


def _branch_kinds():
    from branches.models import OrgKind

    return (OrgKind.BRANCH,)


register(
    Figure(
        key="branches",
        label=_("Party branches"),
        formula=_(
            "Party branches in the subtree not dissolved on the reference day (today, or "
            "31 December of a past year)."
        ),
        unit="count",
        compute=_organizations_compute(_branch_kinds),
        records_url=_records_page("branches"),
        records=_organizations_records(_branch_kinds),
        columns=ORG_COLUMNS,
        group=GROUP_ORGS,
    )
)


# --- education (document 1, 三（四）) -------------------------------------------------

EDUCATION_KEYS = (
    "education_days_cadre_sectors",
    "education_days_other_sectors",
    "education_hours_per_day",
    "self_study_counts",
)


def _education_convert(key, value):
    if key == "education_hours_per_day":
        return Decimal(str(value))
    if key == "self_study_counts":
        return Decimal(1) if value == "yes" else Decimal(0)
    return int(value)


def education_members(organization: Organization, year: int, members=None):
    """The members measured against the yearly requirement, annotated as
    `education.selectors.year_statuses` measures them: `counted_hours`
    (collective hours, plus self-study where the policy counts it),
    `required_hours` (12 days for government organs, SOEs and public
    institutions, 6 for the others, × hours per day, the policies in force
    for the member's branch) and `compliant` (aged or infirm members, handled
    individually, are compliant). Population: members on the rolls on
    31 December of the year (or today), whose branch is in the subtree.
    """
    from branches.models import CADRE_SECTORS
    from education.models import YearlyTotal
    from members.models import FlagKind, Member, MemberFlag

    end = date(year, 12, 31)
    members = Member.objects.all() if members is None else members
    policies = policy_case(
        EDUCATION_KEYS,
        organization,
        reference_day(year),
        "branch__path",
        convert=_education_convert,
    )
    totals = YearlyTotal.objects.filter(member=OuterRef("pk"), year=year)
    hours_field = DecimalField(max_digits=8, decimal_places=1)
    return (
        members.filter(
            Q(left_on__isnull=True) | Q(left_on__gt=end),
            branch__path__descendant_of=organization.path,
            joined_on__lte=end,
        )
        .annotate(
            collective_hours=Coalesce(
                Subquery(totals.values("hours")[:1]), Value(Decimal(0)), output_field=hours_field
            ),
            self_study=Coalesce(
                Subquery(totals.values("self_study_hours")[:1]),
                Value(Decimal(0)),
                output_field=hours_field,
            ),
            individual=Exists(
                MemberFlag.objects.filter(
                    member=OuterRef("pk"),
                    kind=FlagKind.AGED_INFIRM,
                    cleared_on__isnull=True,
                )
            ),
            counted_hours=ExpressionWrapper(
                F("collective_hours") + F("self_study") * policies["self_study_counts"],
                output_field=hours_field,
            ),
            required_hours=ExpressionWrapper(
                Case(
                    When(
                        employer_sector__in=list(CADRE_SECTORS),
                        then=policies["education_days_cadre_sectors"],
                    ),
                    default=policies["education_days_other_sectors"],
                    output_field=IntegerField(),
                )
                * policies["education_hours_per_day"],
                output_field=hours_field,
            ),
        )
        .annotate(
            compliant=Case(
                When(Q(individual=True) | Q(counted_hours__gte=F("required_hours")), then=True),
                default=False,
            )
        )
    )


def _education_counts(organization: Organization, year: int) -> tuple[int, int]:
    row = education_members(organization, year).aggregate(
        total=Count("pk"), met=Count("pk", filter=Q(compliant=True))
    )
    return row["total"], row["met"]


def _education_records(short_only: bool):
    def records(user, organization: Organization, year: int):
        from members.models import Member

        rows = education_members(organization, year, Member.objects.visible_to(user))
        if short_only:
            rows = rows.filter(compliant=False)
        return rows.select_related("branch").order_by("branch__path", "name", "pk")

    return records


EDUCATION_COLUMNS = (
    (_("Member"), "name"),
    (_("Branch"), "branch.name"),
    (_("Hours counted"), "counted_hours"),
    (_("Hours required"), "required_hours"),
    (_("Handled individually"), "individual"),
    (_("Met the requirement"), "compliant"),
)

register(
    Figure(
        key="education_required",
        label=_("Members required to study"),
        formula=_(
            "Members on the rolls on 31 December (or today) whose branch is in the subtree: "
            "each must attend the collective education days of the year."
        ),
        unit="count",
        compute=lambda organization, year: (_education_counts(organization, year)[0], None),
        records_url=_records_page("education_required"),
        records=_education_records(short_only=False),
        columns=EDUCATION_COLUMNS,
        group=GROUP_EDUCATION,
    )
)
register(
    Figure(
        key="education_met",
        label=_("Members who met the collective-education requirement"),
        formula=_(
            "Members required to study whose collective hours (plus self-study where the "
            "policy counts it) reach the days required × hours per day: 12 days for government "
            "organs, state-owned enterprises and public institutions, 6 for the others; aged "
            "or infirm members handled individually count as having met it."
        ),
        unit="count",
        compute=lambda organization, year: (_education_counts(organization, year)[1], None),
        records_url=_records_page("education_required"),
        group=GROUP_EDUCATION,
    )
)


def _education_rate(organization: Organization, year: int):
    total, met = _education_counts(organization, year)
    return rate(met, total), total


register(
    Figure(
        key="education_rate",
        label=_("Collective-education compliance rate"),
        formula=_("Members who met the requirement ÷ members required to study × 100."),
        unit="percent",
        compute=_education_rate,
        records_url=_records_page("education_required"),
        group=GROUP_EDUCATION,
    )
)


def _education_short(organization: Organization, year: int):
    total, met = _education_counts(organization, year)
    return total - met, None


register(
    Figure(
        key="education_short",
        label=_("Members short of the collective-education requirement"),
        formula=_("Members required to study − members who met the requirement."),
        unit="count",
        compute=_education_short,
        records_url=_records_page("education_short"),
        records=_education_records(short_only=True),
        columns=EDUCATION_COLUMNS,
        group=GROUP_EDUCATION,
    )
)


# --- democratic review (document 1, 二（二）3) -----------------------------------------


def _campaign_page(organization: Organization, year: int) -> str:
    return _with_query(reverse("education:campaign_org", args=[organization.pk]), year=year)


def _reviews_due(organization: Organization, year: int):
    """Grassroots organisations that must hold the year's democratic review: as
    the daily cycle opens them (education.cycles.democratic_review), every N
    years by the province's policy."""
    from branches.policies import policy_in_force
    from education.models import Campaign, CampaignKind

    province = organization.province or organization
    interval = policy_in_force(province, "democratic_review_interval_years", reference_day(year))
    orgs = _organizations(organization, year, grassroots_kinds())
    if interval > 1:
        reviews = Campaign.objects.filter(
            organization=OuterRef("pk"), kind=CampaignKind.DEMOCRATIC_REVIEW
        )
        orgs = orgs.filter(
            Exists(reviews.filter(year=year))
            | ~Exists(reviews.filter(year__gt=year - interval, year__lt=year))
        )
    return orgs


register(
    Figure(
        key="reviews_due",
        label=_("Organisations due to hold the democratic review"),
        formula=_(
            "Grassroots party organisations of the subtree (not dissolved) that must hold the "
            "democratic review of members this year: every year, or every N years where the "
            "province's policy says so (those that held one in the last N−1 years are not due)."
        ),
        unit="count",
        compute=lambda organization, year: (_reviews_due(organization, year).count(), None),
        records_url=_campaign_page,
        group=GROUP_REVIEW,
    )
)


def _reviews(organization: Organization, year: int):
    from education.models import Campaign, CampaignKind

    return Campaign.objects.filter(
        kind=CampaignKind.DEMOCRATIC_REVIEW,
        year=year,
        organization__path__descendant_of=organization.path,
    )


def _reviews_closed(organization: Organization, year: int):
    from education.models import CampaignStatus

    return _reviews(organization, year).filter(status=CampaignStatus.CLOSED).count(), None


register(
    Figure(
        key="reviews_closed",
        label=_("Democratic reviews closed"),
        formula=_(
            "Democratic reviews of members of the year held by organisations of the subtree "
            "and closed."
        ),
        unit="count",
        compute=_reviews_closed,
        records_url=_campaign_page,
        group=GROUP_REVIEW,
    )
)


def _reviews_complete(organization: Organization, year: int):
    return _reviews(organization, year).filter(complete=True).count(), None


register(
    Figure(
        key="reviews_complete",
        label=_("Democratic reviews complete"),
        formula=_(
            "Democratic reviews of the year in the subtree closed with every step done and "
            "every member rated."
        ),
        unit="count",
        compute=_reviews_complete,
        records_url=_campaign_page,
        group=GROUP_REVIEW,
    )
)


def _members_rated(organization: Organization, year: int):
    from education.models import Evaluation

    count = (
        Evaluation.objects.filter(campaign__in=_reviews(organization, year))
        .exclude(rating="")
        .count()
    )
    return count, None


register(
    Figure(
        key="members_rated",
        label=_("Members rated in the democratic review"),
        formula=_(
            "Members given a rating (excellent, qualified, basically qualified or unqualified) "
            "in the year's democratic reviews of organisations of the subtree."
        ),
        unit="count",
        compute=_members_rated,
        records_url=_campaign_page,
        group=GROUP_REVIEW,
    )
)


# --- mobile members (document 3) ----------------------------------------------------


def _away_on(day: date) -> Q:
    """Episodes away on `day` (as in mobility.year_report.compute_figures)."""
    from mobility.models import EpisodeStatus

    return (
        ~Q(status=EpisodeStatus.CANCELLED)
        & Q(started_on__lte=day)
        & (Q(returned_on__isnull=True) | Q(returned_on__gt=day))
    )


def _database_page(side: str):
    def url(organization: Organization, year: int) -> str:
        return _with_query(
            reverse("mobility:database", args=[organization.pk]), side=side, status="away"
        )

    return url


def _mobile_away(organization: Organization, year: int):
    from mobility.models import Episode

    count = (
        Episode.objects.filter(_away_on(reference_day(year)))
        .filter(outflow_branch__path__descendant_of=organization.path)
        .count()
    )
    return count, None


register(
    Figure(
        key="mobile_away",
        label=_("Mobile members away"),
        formula=_(
            "Members of branches of the subtree away from their branch (an episode not "
            "cancelled, started and not yet returned) on the reference day: today, or "
            "31 December of a past year."
        ),
        unit="count",
        compute=_mobile_away,
        records_url=_database_page("out"),
        group=GROUP_MOBILITY,
    )
)


def _mobile_in(organization: Organization, year: int):
    from mobility.models import Episode

    count = (
        Episode.objects.filter(_away_on(reference_day(year)))
        .filter(inflow_organization__path__descendant_of=organization.path)
        .count()
    )
    return count, None


register(
    Figure(
        key="mobile_in",
        label=_("Mobile members managed in the subtree (inflow)"),
        formula=_(
            "Mobile members away whose inflow party organisation is in the subtree, on the "
            "reference day (today, or 31 December of a past year)."
        ),
        unit="count",
        compute=_mobile_in,
        records_url=_database_page("in"),
        group=GROUP_MOBILITY,
    )
)


def _certificates(organization: Organization):
    from mobility.models import Certificate

    return Certificate.objects.filter(
        episode__outflow_branch__path__descendant_of=organization.path
    )


def _certificates_issued_q(organization: Organization, year: int):
    return _certificates(organization).filter(issued_at__year=year)


CERTIFICATE_COLUMNS = (
    (_("Certificate number"), "number"),
    (_("Member"), "member.name"),
    (_("Outflow branch"), "episode.outflow_branch.name"),
    (_("Issued at"), "issued_at"),
    (_("Status"), "get_status_display"),
)


def _certificate_records(queryset_of):
    def records(user, organization: Organization, year: int):
        from mobility.models import Certificate

        return (
            _scoped(Certificate, user, queryset_of(organization, year))
            .select_related("member", "episode__outflow_branch")
            .order_by("issued_at", "pk")
        )

    return records


register(
    Figure(
        key="certificates_issued",
        label=_("Mobile-member certificates issued"),
        formula=_(
            "Certificates (《流动党员活动证》) issued in the year to members of branches of "
            "the subtree."
        ),
        unit="count",
        compute=lambda organization, year: (
            _certificates_issued_q(organization, year).count(),
            None,
        ),
        records_url=_records_page("certificates_issued"),
        records=_certificate_records(_certificates_issued_q),
        columns=CERTIFICATE_COLUMNS,
        group=GROUP_MOBILITY,
    )
)


def _certificates_overdue_q(organization: Organization, year: int):
    """Certificates in use whose validity (a review interval after the issue or
    the last review, mobility.certificate_pdf.valid_until) ended before the
    reference day."""
    from education.selectors import add_years
    from mobility.cycles import IN_USE

    on = reference_day(year)
    cutoff = policy_case(
        ["certificate_review_interval_years"],
        organization,
        on,
        "episode__outflow_branch__path",
        convert=lambda key, years: add_years(on, -int(years)),
    )["certificate_review_interval_years"]
    issued_on = TruncDate("issued_at", tzinfo=timezone.get_current_timezone())
    return (
        _certificates(organization)
        .filter(status__in=IN_USE, issued_at__isnull=False)
        .annotate(
            last_review=Max("reviews__reviewed_on"),
            valid_from=Greatest(issued_on, Coalesce(F("last_review"), issued_on)),
            cutoff=cutoff,
        )
        .filter(valid_from__lt=F("cutoff"))
    )


register(
    Figure(
        key="certificates_review_overdue",
        label=_("Certificates whose yearly review is overdue"),
        formula=_(
            "Certificates in use (issued or checked in) of members of branches of the subtree "
            "not reviewed within the review interval (every year by default) after their issue "
            "or last review, on the reference day (today, or 31 December of a past year)."
        ),
        unit="count",
        compute=lambda organization, year: (
            _certificates_overdue_q(organization, year).count(),
            None,
        ),
        records_url=_records_page("certificates_review_overdue"),
        records=_certificate_records(_certificates_overdue_q),
        columns=(*CERTIFICATE_COLUMNS, (_("Last review"), "last_review")),
        group=GROUP_MOBILITY,
    )
)


# --- serving the masses (document 2) ------------------------------------------------


def _commitments_q(organization: Organization, year: int):
    from outreach.models import MADE_COMMITMENT, Commitment

    return Commitment.objects.filter(
        branch__path__descendant_of=organization.path,
        year=year,
        status__in=MADE_COMMITMENT,
    )


def _commitments_done_q(organization: Organization, year: int):
    from outreach.models import CommitmentStatus

    return _commitments_q(organization, year).filter(status=CommitmentStatus.DONE)


def _commitment_records(queryset_of):
    def records(user, organization: Organization, year: int):
        from outreach.models import Commitment

        return (
            _scoped(Commitment, user, queryset_of(organization, year))
            .select_related("member", "branch")
            .order_by("branch__path", "target_date", "pk")
        )

    return records


COMMITMENT_COLUMNS = (
    (_("Member"), "member.name"),
    (_("Branch"), "branch.name"),
    (_("Commitment"), "content"),
    (_("To be done by"), "target_date"),
    (_("Status"), "get_status_display"),
)

register(
    Figure(
        key="commitments_made",
        label=_("Public commitments made"),
        formula=_(
            "Commitments of the year by members of branches of the subtree, submitted or "
            "further (approved, fulfilled, not fulfilled); drafts, returned and withdrawn "
            "ones are not counted."
        ),
        unit="count",
        compute=lambda organization, year: (_commitments_q(organization, year).count(), None),
        records_url=_records_page("commitments_made"),
        records=_commitment_records(_commitments_q),
        columns=COMMITMENT_COLUMNS,
        group=GROUP_OUTREACH,
    )
)
register(
    Figure(
        key="commitments_fulfilled",
        label=_("Public commitments fulfilled"),
        formula=_("Commitments of the year made in the subtree and assessed as fulfilled."),
        unit="count",
        compute=lambda organization, year: (
            _commitments_done_q(organization, year).count(),
            None,
        ),
        records_url=_records_page("commitments_fulfilled"),
        records=_commitment_records(_commitments_done_q),
        columns=COMMITMENT_COLUMNS,
        group=GROUP_OUTREACH,
    )
)


def _cases_q(organization: Organization, year: int):
    from outreach.models import Case

    return Case.objects.filter(
        organization__path__descendant_of=organization.path, received_on__year=year
    )


def _cases_records(user, organization: Organization, year: int):
    from outreach.models import Case

    return (
        _scoped(Case, user, _cases_q(organization, year))
        .select_related("organization")
        .order_by("received_on", "pk")
    )


register(
    Figure(
        key="cases_received",
        label=_("Cases of the public received"),
        formula=_(
            "Requests and complaints of the public received in the year by organisations of "
            "the subtree."
        ),
        unit="count",
        compute=lambda organization, year: (_cases_q(organization, year).count(), None),
        records_url=_records_page("cases_received"),
        records=_cases_records,
        columns=(
            (_("Received on"), "received_on"),
            (_("Organisation"), "organization.name"),
            (_("Raised through"), "get_channel_display"),
            (_("Feedback due"), "feedback_due"),
            (_("Status"), "get_status_display"),
        ),
        group=GROUP_OUTREACH,
    )
)


def _cases_overdue(organization: Organization, year: int):
    from outreach.models import Case
    from outreach.selectors_cases import overdue_q

    count = Case.objects.filter(
        overdue_q(), organization__path__descendant_of=organization.path
    ).count()
    return count, None


register(
    Figure(
        key="cases_overdue",
        label=_("Cases overdue"),
        formula=_(
            "Cases of the public at organisations of the subtree still being handled past "
            "their feedback deadline (15 days by default), today."
        ),
        unit="count",
        compute=_cases_overdue,
        records_url=lambda organization, year: _with_query(
            reverse("outreach:cases", args=[organization.pk]), overdue="on"
        ),
        group=GROUP_OUTREACH,
    )
)


def _research_short(organization: Organization, year: int):
    return research_short_leaders(organization, year).count(), None


def research_short_leaders(organization: Organization, year: int):
    """Current leaders of the subtree whose research days of the year are fewer
    than months by level × days per month (outreach.selectors_research)."""
    from members.models import Member
    from outreach.selectors_research import LEVEL_MONTHS_KEY, policy_day, with_year_days

    policies = policy_case(
        ["research_months_provincial", "research_months_city_county", "research_days_per_month"],
        organization,
        policy_day(year),
        "branch__path",
    )
    months = Case(
        *[
            When(leadership_level=level, then=policies[key])
            for level, key in LEVEL_MONTHS_KEY.items()
        ],
        default=Value(0),
        output_field=IntegerField(),
    )
    leaders = (
        with_year_days(
            Member.objects.current().filter(
                branch__path__descendant_of=organization.path,
                leadership_level__in=list(LEVEL_MONTHS_KEY),
            ),
            year,
        )
        .annotate(research_required=months * policies["research_days_per_month"])
        .filter(research_done__lt=F("research_required"))
    )
    return leaders


register(
    Figure(
        key="research_short",
        label=_("Leaders short of research days"),
        formula=_(
            "Current leading cadres of branches of the subtree whose research days at the "
            "grassroots in the year are fewer than required: 1 month a year for provincial "
            "leaders, 2 for city and county leaders, 30 days a month (the policies in force)."
        ),
        unit="count",
        compute=_research_short,
        records_url=lambda organization, year: _with_query(
            reverse("outreach:research", args=[organization.pk]), year=year
        ),
        group=GROUP_OUTREACH,
    )
)


# --- rectification (document 4) -----------------------------------------------------


def _orders_q(organization: Organization, year: int):
    from .models import RectificationOrder, RectificationStatus

    return RectificationOrder.objects.filter(
        organization__path__descendant_of=organization.path, issued_on__year=year
    ).exclude(status=RectificationStatus.CANCELLED)


def _orders_accepted_q(organization: Organization, year: int):
    from .models import RectificationStatus

    return _orders_q(organization, year).filter(status=RectificationStatus.ACCEPTED)


def _order_records(queryset_of):
    def records(user, organization: Organization, year: int):
        from .models import RectificationOrder

        return (
            _scoped(RectificationOrder, user, queryset_of(organization, year))
            .select_related("organization", "issued_by_org")
            .order_by("issued_on", "pk")
        )

    return records


ORDER_COLUMNS = (
    (_("Issued on"), "issued_on"),
    (_("Organisation"), "organization.name"),
    (_("Issued by"), "issued_by_org.name"),
    (_("Deadline"), "deadline"),
    (_("Status"), "get_status_display"),
)

register(
    Figure(
        key="rectifications_issued",
        label=_("Rectification orders received"),
        formula=_(
            "Rectification orders issued in the year to organisations of the subtree, "
            "cancelled ones excepted."
        ),
        unit="count",
        compute=lambda organization, year: (_orders_q(organization, year).count(), None),
        records_url=_records_page("rectifications_issued"),
        records=_order_records(_orders_q),
        columns=ORDER_COLUMNS,
        group=GROUP_RECTIFICATION,
    )
)
register(
    Figure(
        key="rectifications_accepted",
        label=_("Rectification orders accepted"),
        formula=_(
            "Rectification orders issued in the year to organisations of the subtree whose "
            "rectification has been accepted by the issuer."
        ),
        unit="count",
        compute=lambda organization, year: (
            _orders_accepted_q(organization, year).count(),
            None,
        ),
        records_url=_records_page("rectifications_accepted"),
        records=_order_records(_orders_accepted_q),
        columns=ORDER_COLUMNS,
        group=GROUP_RECTIFICATION,
    )
)


def _orders_overdue(organization: Organization, year: int):
    from .models import RectificationOrder
    from .selectors import overdue_q

    count = RectificationOrder.objects.filter(
        overdue_q(), organization__path__descendant_of=organization.path
    ).count()
    return count, None


register(
    Figure(
        key="rectifications_overdue",
        label=_("Rectification orders overdue"),
        formula=_(
            "Rectification orders to organisations of the subtree still being worked on past "
            "their deadline, today (whatever the year they were issued in)."
        ),
        unit="count",
        compute=_orders_overdue,
        records_url=lambda organization, year: _with_query(
            reverse("accountability:received", args=[organization.pk]), overdue="on"
        ),
        group=GROUP_RECTIFICATION,
    )
)
