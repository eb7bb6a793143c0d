"""A Celery worker killed in the middle of a task (acks_late): the task is
not lost; once another worker runs, it starts again and completes exactly
once. Real worker processes, real Redis; the task is a year-end report build
(reports.tasks.build_year_end_report)."""

import datetime
import os
import signal
import subprocess
import time
import uuid

import pytest

from branches.models import Role
from config import outbox
from dashboards import rollups
from reports.models import YearEndReport
from reports.services import year_end_report_request
from reports.tasks import build_year_end_report
from tests.factories import MemberFactory, RoleAssignmentFactory, UserFactory, province_tree

from .test_processes import BIN, ROOT, production_env

pytestmark = pytest.mark.django_db(transaction=True)

YEAR = datetime.date.today().year - 1


def start_worker(queue, media, log):
    env = production_env(MEDIA_ROOT=str(media), CELERY_VISIBILITY_TIMEOUT="3")
    return subprocess.Popen(
        [
            *(BIN / "celery", "-A", "config", "worker", "-Q", queue, "-c", "1", "-P", "solo"),
            *("--without-mingle", "--without-gossip", "-l", "INFO"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(check, seconds, step=0.02):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return False


def test_a_killed_worker_loses_nothing_and_the_task_completes_once(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    a = province_tree("己")
    for _ in range(5):
        MemberFactory(branch=a["branch1"], full=True)
    staff = UserFactory(username="worker_lost_staff")
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=a["county"])
    rollups.reconcile(a["province"].pk, YEAR)
    report = year_end_report_request(actor=staff, organization=a["county"], year=YEAR)
    queue = f"test-{uuid.uuid4().hex}"
    assert outbox.send(build_year_end_report, report.pk, report.generation, queue=queue)

    log = (tmp_path / "worker.log").open("w")
    first = start_worker(queue, settings.MEDIA_ROOT, log)
    try:
        # Caught while it works (before the PDF is stored), then killed hard.
        assert wait_for(
            lambda: YearEndReport.objects.filter(pk=report.pk, status="running").exists(), 60
        ), (tmp_path / "worker.log").read_text()
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        report.refresh_from_db()
        assert report.status == "running", "the kill came after the task had finished"
        started_first = report.started_at

        second = start_worker(queue, settings.MEDIA_ROOT, log)
        try:
            assert wait_for(
                lambda: YearEndReport.objects.filter(pk=report.pk, status="done").exists(),
                90,
                step=0.2,
            ), (tmp_path / "worker.log").read_text()
            report.refresh_from_db()
            finished = report.finished_at
            time.sleep(5)  # longer than the visibility timeout: no third run
            report.refresh_from_db()
        finally:
            second.terminate()
            second.wait(timeout=20)
    finally:
        if first.poll() is None:
            first.kill()
        log.close()

    assert report.started_at > started_first  # it ran again from the start
    assert report.finished_at == finished
    assert report.progress == 100 and report.generation == 1
    stored = sorted(p.suffix for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    assert stored == [".pdf", ".xlsx"], stored  # one file of each, nothing twice
