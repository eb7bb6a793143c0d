"""`python manage.py benchmark`: the figures of issue 9 on the province-scale
demo data (`seed_demo --scale province`), measured in one run and printed as
a Markdown table (progress goes to stderr). Nothing it writes is kept, except
the reconciled roll-ups (derived data). See docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import traceback

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from branches.models import Organization, RoleAssignment, User
from dashboards.bench import sections
from dashboards.bench.load import load_plan
from dashboards.bench.measure import Report, current_mb, peak_mb, reset_peak
from members.models import Member

SECTIONS = ("dashboard", "mine", "close", "pdf", "import", "export")


class Command(BaseCommand):
    help = "Measure the dashboards, my hours, the yearly close, PDFs, import and export."

    def add_arguments(self, parser):
        parser.add_argument("--province", default="SD", help="code of the province (SD)")
        parser.add_argument("--year", type=int, help="the education year (default: last year)")
        parser.add_argument("--requests", type=int, default=50, help="requests per page (50)")
        parser.add_argument("--pdfs", type=int, default=20, help="certificate PDFs rendered (20)")
        parser.add_argument("--import-rows", type=int, default=100_000)
        parser.add_argument("--export-rows", type=int, default=1_000_000)
        parser.add_argument(
            "--skip", action="append", choices=SECTIONS, default=[], help="skip a section"
        )
        parser.add_argument(
            "--no-reconcile", action="store_true", help="do not reconcile the roll-ups first"
        )
        parser.add_argument(
            "--load-plan",
            metavar="FILE",
            help="only write the plan of loadtest/locustfile.py (JSON) to FILE",
        )

    def handle(self, *args, **options):
        if options["load_plan"]:
            plan = load_plan(options["year"])
            with open(options["load_plan"], "w") as out:
                json.dump(plan, out, indent=2)
            self.stdout.write(
                f"Load plan: {len(plan['secretaries'])} secretaries, {len(plan['members'])}"
                f" members, {len(plan['departments'])} departments -> {options['load_plan']}"
            )
            return
        province = Organization.objects.filter(code=options["province"]).first()
        if province is None:
            raise CommandError(
                f"No province {options['province']}: run `manage.py seed_demo --scale province`."
            )
        year = options["year"] or timezone.localdate().year - 1
        user = self.province_user(province)
        report = Report()
        ctx = sections.Context(province=province, year=year, user=user, report=report, log=self.log)
        skip = set(options["skip"])
        started = time.monotonic()
        self.stdout.write(self.header(province, year))
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            if "dashboard" not in skip and not options["no_reconcile"]:
                self.run_section("1", sections.reconcile, ctx)
            reset_peak()
            baseline = current_mb()
            if "dashboard" not in skip:
                self.run_section("1", sections.dashboards, ctx, requests=options["requests"])
            if "mine" not in skip:
                self.run_section("2", sections.my_hours, ctx, requests=options["requests"])
            if not {"dashboard", "mine"} <= skip:
                report.add(
                    "6",
                    "web worker (this process) during 1–2: peak memory",
                    f"{peak_mb():.0f} MB",
                    f"{baseline:.0f} MB before",
                )
        if "close" not in skip:
            self.run_section("3", sections.year_close, ctx)
        if "pdf" not in skip:
            self.run_section("4", sections.certificate_pdfs, ctx, count=options["pdfs"])
        if "import" not in skip:
            self.run_section("5", sections.member_import, ctx, rows=options["import_rows"])
        if "export" not in skip:
            self.run_section("6", sections.export, ctx, rows=options["export_rows"])
        self.stdout.write(self.table(report))
        self.stdout.write(f"\nTotal {time.monotonic() - started:.0f} s.")

    def run_section(self, item: str, section, ctx, **sizes) -> None:
        """A section that fails prints FAILED in its row; the others still run."""
        try:
            section(ctx, **sizes)
        except Exception as error:  # reported in the table and on stderr
            self.stderr.write(traceback.format_exc())
            ctx.report.add(item, section.__name__, f"FAILED: {type(error).__name__}: {error}")

    def log(self, message: str) -> None:
        self.stderr.write(f"[{timezone.localtime():%H:%M:%S}] {message}")

    @staticmethod
    def province_user(province: Organization) -> User:
        """The user the pages are requested as: organisation staff of the province."""
        role = (
            RoleAssignment.objects.filter(organization=province, role="org_staff")
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if role is not None:
            return role.user
        user = User.objects.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError("No organisation staff of the province and no superuser.")
        return user

    @staticmethod
    def header(province: Organization, year: int) -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM education_attendance a"
                " JOIN education_activity act ON act.id = a.activity_id"
                " WHERE act.province_id = %s",
                [province.pk],
            )
            attendance = cursor.fetchone()[0]
        orgs = Organization.objects.filter(province=province).count()
        members = Member.objects.filter(province=province).count()
        memory = ""
        try:
            with open("/proc/meminfo") as meminfo:
                memory = f", {int(meminfo.readline().split()[1]) / 2**20:.0f} GB RAM"
        except OSError:
            pass
        cpu = platform.processor() or platform.machine()
        try:
            with open("/proc/cpuinfo") as cpuinfo:
                for line in cpuinfo:
                    if line.startswith("model name"):
                        cpu = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        return (
            f"Benchmark {timezone.localtime():%Y-%m-%d %H:%M} · {province.name} ({province.code}):"
            f" {orgs} organisations, {members} members, {attendance} attendance rows;"
            f" year {year}\n"
            f"Machine: {os.cpu_count()} cores ({cpu}){memory}; PostgreSQL {server};"
            f" Python {sys.version.split()[0]}; DEBUG={settings.DEBUG}"
            + (
                " (run with DEBUG=false STATIC_PLAIN=true for production figures)"
                if settings.DEBUG
                else ""
            )
            + "\n"
        )

    @staticmethod
    def table(report: Report) -> str:
        heads = ("#", "measure", "figure", "against", "ratio", "target", "")
        lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        for row in sorted(report.rows, key=lambda row: row.item):
            cells = (row.item, row.measure, row.figure, row.reference, row.ratio, row.target)
            cells = (*cells, row.verdict)
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        return "\n".join(lines)
