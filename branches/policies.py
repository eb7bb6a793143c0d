"""Policy figures: the numbers of the four documents, overridable per subtree.

Each figure has a default taken from the documents (DESIGN.md, "Rules the
code must encode"). An organisation may override a figure for its subtree
and a period (PolicyOverride); the nearest override on the path from the
organisation up to the root wins. `policy_in_force(org, key, on)` is the one
function that answers "which figure applies to organisation X on date D".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PolicyDef:
    key: str
    label: str
    source: str
    default: object
    kind: str = "int"  # int | decimal | choice
    minimum: Decimal | int = 0
    choices: tuple[str, ...] = ()

    def clean(self, raw) -> object:
        """Validate and normalise a value; raise ValidationError naming the policy."""
        if self.kind == "choice":
            if raw not in self.choices:
                raise ValidationError(
                    _("%(policy)s must be one of: %(choices)s.")
                    % {"policy": self.label, "choices": ", ".join(self.choices)}
                )
            return raw
        try:
            number = Decimal(str(raw))
            if not number.is_finite():
                raise ValueError(raw)
        except (InvalidOperation, ValueError):
            raise ValidationError(
                _("%(policy)s must be a number, not “%(value)s”.")
                % {"policy": self.label, "value": raw}
            ) from None
        if number < self.minimum:
            raise ValidationError(
                _("%(policy)s must be at least %(minimum)s.")
                % {"policy": self.label, "minimum": self.minimum}
            )
        if self.kind == "int":
            if number != number.to_integral_value():
                raise ValidationError(
                    _("%(policy)s must be a whole number.") % {"policy": self.label}
                )
            return int(number)
        return str(number.normalize())


POLICIES: dict[str, PolicyDef] = {
    p.key: p
    for p in [
        PolicyDef(
            "education_days_cadre_sectors",
            _("Collective education days a year (government organs, SOEs, public institutions)"),
            "文件一 三（四）",
            12,
            minimum=1,
        ),
        PolicyDef(
            "education_days_other_sectors",
            _("Collective education days a year (other members)"),
            "文件一 三（四）",
            6,
            minimum=1,
        ),
        PolicyDef(
            "education_hours_per_day",
            _("Education hours counted as one day"),
            "DESIGN.md",
            "8",
            kind="decimal",
            minimum=1,
        ),
        PolicyDef(
            "self_study_counts",
            _("Self-study counts toward the collective requirement"),
            "文件一 二（二）1",
            "no",
            kind="choice",
            choices=("no", "yes"),
        ),
        PolicyDef(
            "democratic_review_interval_years",
            _("Democratic review of members, every N years"),
            "文件一 二（二）3",
            1,
            minimum=1,
        ),
        PolicyDef(
            "party_spirit_analysis_interval_years",
            _("Party-spirit analysis review, every N years"),
            "文件一 二（二）3",
            5,
            minimum=1,
        ),
        PolicyDef(
            "party_school_rotation_interval_years",
            _("Party-school rotation of grassroots party workers, every N years"),
            "文件一 三（一）",
            3,
            minimum=1,
        ),
        PolicyDef(
            "leader_lectures_per_year",
            _("Party lectures or situation reports by leaders a year"),
            "文件一 二（二）1",
            1,
            minimum=1,
        ),
        PolicyDef(
            "unexcused_absences_repeated",
            _("Unexcused absences in a year that call for serious criticism"),
            "文件一 四",
            2,
            minimum=1,
        ),
        PolicyDef(
            "party_school_reminder_days",
            _("Days before the party-school rotation falls due to remind"),
            "文件一 三（一）",
            90,
            minimum=0,
        ),
        PolicyDef(
            "education_year_close_grace_days",
            _("Days after the year's end before the education year closes"),
            "DESIGN.md",
            31,
            minimum=0,
        ),
        PolicyDef(
            "commitments_min_per_year",
            _("Public commitments a year, at least"),
            "文件二 二（二）",
            1,
            minimum=0,
        ),
        PolicyDef(
            "commitments_max_per_year",
            _("Public commitments a year, at most"),
            "文件二 二（二）",
            2,
            minimum=1,
        ),
        PolicyDef(
            "research_months_provincial",
            _("Research months a year at the grassroots, provincial/ministerial leaders"),
            "文件二 二（五）",
            1,
            minimum=0,
        ),
        PolicyDef(
            "research_months_city_county",
            _("Research months a year at the grassroots, city and county leaders"),
            "文件二 二（五）",
            2,
            minimum=0,
        ),
        PolicyDef(
            "research_days_per_month",
            _("Days counted as one research month"),
            "文件二 二（五）",
            30,
            minimum=1,
        ),
        PolicyDef(
            "case_feedback_days",
            _("Days to give the public feedback on a request or complaint"),
            "文件二 三（三）",
            15,
            minimum=1,
        ),
        PolicyDef(
            "mobile_reports_per_year",
            _("Reports a year by a mobile member to the outflow organisation"),
            "文件三 二（三）3",
            1,
            minimum=1,
        ),
        PolicyDef(
            "mobile_dues_period",
            _("Dues period of mobile members"),
            "文件三 二（三）2",
            "monthly",
            kind="choice",
            choices=("monthly", "quarterly"),
        ),
        PolicyDef(
            "mobile_lost_contact_days",
            _("Days without a report or entry before a mobile member has lost contact"),
            "文件三 三（一）",
            180,
            minimum=30,
        ),
        PolicyDef(
            "certificate_review_interval_years",
            _("Review of the mobile member certificate, every N years"),
            "文件三 三（一）",
            1,
            minimum=1,
        ),
        PolicyDef(
            "spot_checks_per_year",
            _("Provincial random spot-checks a year"),
            "文件三 四",
            1,
            minimum=1,
        ),
    ]
}


def get_policy(key: str) -> PolicyDef:
    try:
        return POLICIES[key]
    except KeyError:
        raise ValidationError(_("Unknown policy “%(key)s”.") % {"key": key}) from None


def in_force_q(on: date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on))


def policies_in_force(organization, on: date | None = None) -> dict[str, object]:
    """Every policy figure for `organization` on `on` (one query)."""
    from .models import PolicyOverride

    on = on or timezone.localdate()
    values = {key: p.clean(p.default) for key, p in POLICIES.items()}
    overrides = (
        PolicyOverride.objects.filter(in_force_q(on))
        .filter(organization__path__ancestor_of=organization.path)
        .order_by("organization__depth")
        .values_list("key", "value")
    )
    for key, value in overrides:  # deeper overrides come last and win
        if key in POLICIES:
            values[key] = POLICIES[key].clean(value)
    return values


def policy_in_force(organization, key: str, on: date | None = None) -> object:
    """The figure `key` in force for `organization` on `on` (default: today)."""
    from .models import PolicyOverride

    policy = get_policy(key)
    on = on or timezone.localdate()
    override = (
        PolicyOverride.objects.filter(in_force_q(on), key=key)
        .filter(organization__path__ancestor_of=organization.path)
        .order_by("-organization__depth")
        .values_list("value", flat=True)
        .first()
    )
    return policy.clean(policy.default if override is None else override)


def policies_for_organizations(organizations, on: date | None = None) -> dict[int, dict]:
    """Every policy figure for each organisation on `on`, in one query.

    `organizations`: objects with `pk` and `path`. The nearest override on the
    path wins, as in `policies_in_force`.
    """
    from .models import PolicyOverride

    on = on or timezone.localdate()
    paths = {org.pk: [int(label) for label in org.path.split(".")] for org in organizations}
    ancestors = {pk for path in paths.values() for pk in path}
    overrides: dict[int, list[tuple[str, object]]] = {}
    for org_id, key, value in (
        PolicyOverride.objects.filter(in_force_q(on), organization_id__in=ancestors)
        .order_by("organization_id", "key")
        .values_list("organization_id", "key", "value")
    ):
        if key in POLICIES:
            overrides.setdefault(org_id, []).append((key, POLICIES[key].clean(value)))
    defaults = {key: p.clean(p.default) for key, p in POLICIES.items()}
    figures = {}
    for pk, path in paths.items():
        values = dict(defaults)
        for ancestor in path:  # root first: deeper overrides come last and win
            values.update(overrides.get(ancestor, ()))
        figures[pk] = values
    return figures
