"""Load demo data: `python manage.py seed_demo --scale small`.

Idempotent: records are keyed by organisation code and username, so a second
run finds what the first created and adds nothing. Each app adds its records
here as it gains models.
"""

import time
from collections import defaultdict
from datetime import date

import pghistory
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accountability.assessments.demo import ensure_assessments
from accountability.demo import ensure_rectifications, ensure_weak_units
from accountability.inspections.demo import ensure_inspections
from accountability.responsibility.demo import ensure_responsibility
from accountability.written_reports.demo import ensure_written_reports
from branches.demo import DEMO_USERS, province_tree, small_tree
from branches.models import (
    GuidanceBasis,
    GuidanceEdge,
    Organization,
    PolicyOverride,
    RoleAssignment,
    User,
)
from dashboards.demo import ensure_rollups
from education.demo import ensure_absence_criticism, ensure_activities
from education.demo_campaigns import ensure_campaigns
from education.demo_party_school import ensure_party_school, run_demo_cycles
from education.demo_registries import ensure_registries
from education.demo_selfstudy import ensure_self_study
from members.demo import ensure_members, ensure_province_members, link_logins
from members.models import Member
from mobility.demo import ensure_mobility
from mobility.demo_pdf import ensure_certificate_pdfs
from mobility.demo_registry import ensure_year_reports
from mobility.demo_reports import ensure_reports
from outreach.demo_care import ensure_care
from outreach.demo_cases import ensure_cases
from outreach.demo_commitments import ensure_commitments
from outreach.demo_research import ensure_research
from reports.demo import ensure_year_end_reports

DEMO_PASSWORD = "Demo-2026-pb"  # noqa: S105 - published demo login, refused outside DEBUG
ROLES_FROM = date(2024, 1, 1)
BATCH = 5000
# Demo logins that are also members of the branch they work in.
MEMBER_LOGINS = [
    ("xh_member", "ZJ-HZ-XH-T1-01"),
    ("xh_secretary", "ZJ-HZ-XH-T1-01"),
    ("xh_deputy", "ZJ-HZ-XH-T1-01"),
    ("lz_secretary", "SC-NC-LZ-T1-01"),
    ("xh_leader", "ZJ-HZ-XH-JG-01"),
]


class Command(BaseCommand):
    help = "Create demo data and demo logins (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["small", "province"], default="small")
        parser.add_argument("--seed", type=int, default=2006)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (never on a production database).",
        )

    def handle(self, *args, scale, seed, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates known passwords; it runs only with DEBUG=true.")
        started = time.monotonic()
        with pghistory.context(action="seed_demo"):
            with transaction.atomic():
                created = self.ensure_organizations(small_tree(seed))
                self.ensure_guidance()
                self.ensure_policies()
                logins = self.ensure_users()
                admin = User.objects.get(username="admin")
                new_members = ensure_members(seed, actor=admin)
                link_logins(MEMBER_LOGINS, actor=admin)
                new_activities = ensure_activities(seed, actor=admin)
                education = {
                    "registries": ensure_registries(actor=admin),
                    "criticisms": ensure_absence_criticism(actor=admin),
                    "campaigns": ensure_campaigns(seed),
                    "party-school posts": ensure_party_school(seed, actor=admin, run_cycles=False),
                }
                study = ensure_self_study(seed)  # closes last year: after every record of it
                education["self-study records"] = study["self_study"] + study["guests"]
                run_demo_cycles()  # as beat would today: reminders, reviews opened
                mobility = {
                    "mobile members away": ensure_mobility(seed),
                    "certificate PDFs": ensure_certificate_pdfs(),
                }
                reports = ensure_reports(actor=admin)
                year_reports = ensure_year_reports(actor=admin)
                outreach = {
                    "commitments": ensure_commitments(seed),
                    "pairings and volunteering": ensure_care(seed),
                    "research visits": ensure_research(seed),  # sets the leaders cases use
                    "cases of the public": ensure_cases(seed),
                    "rectification orders": ensure_rectifications(seed),
                    "weak and lax organisations": ensure_weak_units(seed),
                    "assessment scorecards": ensure_assessments(seed),
                    "responsibilities and commendations": ensure_responsibility(seed),
                    "annual written reports": ensure_written_reports(seed),
                    "random spot-checks": ensure_inspections(seed),
                }
            if scale == "province":
                created += self.ensure_organizations(province_tree(seed))
                self.ensure_users()  # sd_org, now that its province exists
                new_members += ensure_province_members(seed)
                from education.demo_province import ensure_province_education

                ensure_province_education(seed, log=self.stdout.write)
        # Last: the dashboards' roll-ups of everything above (province scale included).
        rollup_rows = ensure_rollups()
        year_end_reports = ensure_year_end_reports(seed)
        self.stdout.write(
            f"Dashboard roll-ups: {rollup_rows} rows recounted, "
            f"year-end reports: {year_end_reports} new"
        )
        self.stdout.write(
            f"Organisations: {Organization.objects.count()} ({created} new), "
            f"members: {Member.objects.count()} ({new_members} new), "
            f"activities: {new_activities} new, "
            + ", ".join(f"{k}: {v} new" for k, v in (education | mobility | outreach).items())
            + f", member reports: {reports}, year-end reports: {year_reports}"
            + " "
            f"in {time.monotonic() - started:.1f} s"
        )
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password {DEMO_PASSWORD}):"))
        for username, name, role, org in logins:
            self.stdout.write(f"  {username:<14} {name:<6} {role:<10} {org}")

    def ensure_organizations(self, specs) -> int:
        """Insert missing organisations level by level (parents first), in bulk."""
        specs = list(specs)
        ids = dict(Organization.objects.values_list("code", "pk"))
        depth: dict[str, int] = {}
        levels: dict[int, list] = defaultdict(list)
        for spec in specs:
            # A parent outside this batch already exists: its children go first.
            depth[spec.code] = depth.get(spec.parent_code, -1) + 1
            if spec.code not in ids:
                levels[depth[spec.code]].append(spec)
        created = 0
        for level in sorted(levels):
            batch = levels[level]
            for start in range(0, len(batch), BATCH):
                with transaction.atomic():
                    rows = Organization.objects.bulk_create(
                        [
                            Organization(
                                code=s.code,
                                parent_id=ids.get(s.parent_code),
                                name=s.name,
                                kind=s.kind,
                                level=s.level,
                                sector=s.sector,
                                established=s.established,
                                is_mobile_org=s.is_mobile_org,
                            )
                            for s in batch[start : start + BATCH]
                        ]
                    )
                ids.update((row.code, row.pk) for row in rows)
                created += len(rows)
        return created

    def ensure_guidance(self) -> None:
        """Each province's education department party group guides the schools."""
        for province in ("ZJ", "SC"):
            guide = Organization.objects.get(code=f"{province}-JYT")
            for school in Organization.objects.filter(
                code__startswith=f"{province}-", code__endswith="-XX"
            ):
                GuidanceEdge.objects.get_or_create(
                    guide=guide,
                    guided=school,
                    valid_from=date(2006, 6, 21),
                    defaults={"basis": GuidanceBasis.TERRITORIAL},
                )

    def ensure_policies(self) -> None:
        """Zhejiang counts 22 working days as a research month from 2024."""
        PolicyOverride.objects.get_or_create(
            organization=Organization.objects.get(code="ZJ"),
            key="research_days_per_month",
            valid_from=date(2024, 1, 1),
            defaults={"value": 22, "note": "浙江省委组织部 2023 年第 12 号通知（演示）"},
        )

    def ensure_users(self) -> list[tuple[str, str, str, str]]:
        logins = []
        for demo in DEMO_USERS:
            if demo.org_code and not Organization.objects.filter(code=demo.org_code).exists():
                continue  # e.g. sd_org without --scale province
            user, created = User.objects.get_or_create(
                username=demo.username,
                defaults={
                    "name": demo.name,
                    "is_staff": demo.superuser,
                    "is_superuser": demo.superuser,
                    "email": f"{demo.username}@example.org",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            org_name = "—"
            if demo.role:
                org = Organization.objects.get(code=demo.org_code)
                RoleAssignment.objects.get_or_create(
                    user=user, role=demo.role, organization=org, valid_from=ROLES_FROM
                )
                org_name = org.name
            logins.append((demo.username, demo.name, demo.role or "superuser", org_name))
        return logins
