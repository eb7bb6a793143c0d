"""The plan of the load script (loadtest/locustfile.py): which demo logins
enter attendance in which branch, which open their hours, which open which
dashboards. Written as JSON by `manage.py benchmark --load-plan FILE`."""

from __future__ import annotations

from django.utils import timezone

from branches.demo import DEMO_USERS
from branches.models import Organization, OrgLevel, Role, RoleAssignment
from members.models import Member

from .sections import sample_orgs


def load_plan(year: int | None = None) -> dict:
    today = timezone.localdate()
    demo = [user.username for user in DEMO_USERS]
    roles = (
        RoleAssignment.objects.active(today)
        .filter(user__username__in=demo, user__is_active=True)
        .select_related("user", "organization")
        .order_by("user__username", "pk")
    )
    secretaries, departments = [], []
    for role in roles:
        if role.role in (Role.SECRETARY, Role.DEPUTY):
            secretaries.append({"username": role.user.username, "branch": role.organization.pk})
        elif role.role == Role.ORG_STAFF:
            org = role.organization
            orgs = sample_orgs(org) if org.level == OrgLevel.PROVINCE else [org]
            orgs += list(
                Organization.objects.filter(parent=org, dissolved__isnull=True)
                .exclude(pk__in=[o.pk for o in orgs])
                .order_by("code")
                .values_list("pk", flat=True)[:2]
            )
            departments.append(
                {
                    "username": role.user.username,
                    "orgs": [o if isinstance(o, int) else o.pk for o in orgs],
                }
            )
    members = sorted(
        Member.objects.filter(user__username__in=demo, left_on__isnull=True).values_list(
            "user__username", flat=True
        )
    )
    return {
        "year": year or today.year,
        "secretaries": secretaries,
        "members": members,
        "departments": departments,
    }
