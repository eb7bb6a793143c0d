"""A morning of the application under load (issue 9, "Load").

Secretaries record an activity and its attendance, members open their hours,
organisation departments open dashboards. Run it with loadtest/run.sh, which
starts gunicorn on the loopback, writes the plan (the demo logins and the
ids they work on) with `manage.py benchmark --load-plan` and stops after a
fixed time. Any answer other than the expected one counts as an error.

Settings (environment): LOAD_PLAN (plan file), LOAD_PASSWORD (the demo
password), LOAD_DASHBOARD_YEAR (the year the dashboards show; default: the
plan's year).
"""

from __future__ import annotations

import json
import os
import random
import re
from datetime import datetime, timedelta

from locust import HttpUser, between, events, task

PLAN = json.load(open(os.environ.get("LOAD_PLAN", "loadtest/plan.json")))  # noqa: SIM115
PASSWORD = os.environ.get("LOAD_PASSWORD", "Demo-2026-pb")
DASHBOARD_YEAR = os.environ.get("LOAD_DASHBOARD_YEAR") or str(PLAN["year"])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Login(HttpUser):
    abstract = True
    wait_time = between(1, 3)  # seconds a person takes between two pages
    username = ""

    def on_start(self):
        page = self.client.get("/accounts/login/", name="login form")
        response = self.client.post(
            "/accounts/login/",
            {
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token(page.text),
            },
            name="login",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"login of {self.username} answered {response.status_code}")

    def post(self, url: str, form: dict, *, page_text: str, name: str, expect: int = 302):
        """POST a form with the token of the page it came from; only `expect` is a success."""
        with self.client.post(
            url,
            {**form, "csrfmiddlewaretoken": token(page_text)},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != expect:
                response.failure(f"{name}: {response.status_code}, expected {expect}")
            return response


def token(text: str) -> str:
    found = TOKEN.search(text)
    return found.group(1) if found else ""


def pick(users: list):
    return users[random.randrange(len(users))] if users else None  # noqa: S311


class Secretary(Login):
    """Records a meeting, then who attended (everyone present but one excused)."""

    weight = 2

    def on_start(self):
        entry = pick(PLAN["secretaries"])
        self.username, self.branch = entry["username"], entry["branch"]
        super().on_start()

    @task
    def record_a_meeting(self):
        base = f"/education/branch/{self.branch}/"
        self.client.get(base, name="activities of a branch")
        form = self.client.get(base + "new/", name="new activity form")
        starts = datetime.now().replace(hour=8, minute=30, second=0, microsecond=0)
        starts -= timedelta(days=random.randint(0, 20))  # noqa: S311
        created = self.post(
            base + "new/",
            {
                "kind": "group",
                "title": "党小组会：学习党章（压力测试）",
                "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
                "hours": "1.5",
                "place": "党员活动室",
            },
            page_text=form.text,
            name="new activity",
        )
        location = created.headers.get("Location", "")
        if not location:
            return
        sheet = self.client.get(location, name="attendance sheet")
        members = re.findall(r'name="status-(\d+)"', sheet.text)
        form = {}
        if members:
            form[f"status-{members[0]}"] = "excused"
            form[f"reason-{members[0]}"] = "因公出差"
        self.post(location, form, page_text=sheet.text, name="save attendance")


class MemberUser(Login):
    """Opens "my hours", this year and last year."""

    weight = 5

    def on_start(self):
        self.username = pick(PLAN["members"])
        super().on_start()

    @task(3)
    def this_year(self):
        self.client.get("/education/mine/", name="my hours")

    @task(1)
    def last_year(self):
        self.client.get(f"/education/mine/?year={PLAN['year'] - 1}", name="my hours (last year)")


class Department(Login):
    """Opens the dashboards of its organisation and of those below."""

    weight = 1

    def on_start(self):
        entry = pick(PLAN["departments"])
        self.username, self.orgs = entry["username"], entry["orgs"]
        super().on_start()

    @task
    def dashboard(self):
        org = pick(self.orgs)
        self.client.get(f"/dashboards/org/{org}/?year={DASHBOARD_YEAR}", name="dashboard")


def pages_p95(stats) -> float:
    """p95 of every page but the login (password hashing is slow on purpose)."""
    times: dict[int, int] = {}
    for entry in stats.entries.values():
        if not entry.name.startswith("login"):
            for value, count in entry.response_times.items():
                times[value] = times.get(value, 0) + count
    total, seen = sum(times.values()), 0
    for value in sorted(times):
        seen += times[value]
        if seen >= 0.95 * total:
            return value
    return 0


@events.quitting.add_listener
def report(environment, **_kwargs):
    """Throughput, p95 and errors of the whole run, on one line; errors fail the run."""
    stats = environment.stats
    total = stats.total
    print(
        f"LOAD RESULT: {total.num_requests} requests, {total.total_rps:.1f} req/s,"
        f" p95 {total.get_response_time_percentile(0.95):.0f} ms"
        f" ({pages_p95(stats):.0f} ms without the logins),"
        f" median {total.median_response_time:.0f} ms, errors {total.num_failures}"
    )
    if total.num_failures:
        environment.process_exit_code = 1
