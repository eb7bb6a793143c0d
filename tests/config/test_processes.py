"""The production processes start as docker-compose.yml runs them.

There is no Docker engine on CI machines, so the commands of the compose file
are run directly: gunicorn serving the app with whitenoise, and Celery beat
with the database scheduler.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from config.celery import BEAT_SCHEDULE

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent


def test_compose_file_has_the_production_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    assert "migrate" in services["web"]["command"]
    assert "gunicorn" in services["web"]["command"]
    assert "pgdata" in compose["volumes"]


HTTPS = {"X-Forwarded-Proto": "https"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def production_env(**extra) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DEBUG", "SECURE_", "STATIC_", "DJANGO_ALLOW_ASYNC"))
    }
    env.update(
        NO_DEV_ENV="1",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="localhost",
        DATABASE_URL=database_url(),
        USE_X_FORWARDED_PROTO="true",
        **extra,
    )
    return env


def fetch(port: int, path: str, **headers) -> tuple[int, bytes]:
    """GET without following redirects."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": "localhost", **headers})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_app_and_static_files(tmp_path):
    env = production_env(STATIC_ROOT=str(tmp_path / "static"), STATIC_COMPRESS="false")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                status, body = fetch(port, "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        assert status == 200, body

        status, _ = fetch(port, "/accounts/login/")
        assert status == 301, "plain HTTP must be redirected to HTTPS"

        status, body = fetch(port, "/accounts/login/", **HTTPS)
        html = body.decode()
        assert status == 200
        assert "登录" in html
        css = html.split('href="/static/vendor/bootstrap-5.3.9/')[1].split('"')[0]
        assert css.startswith("bootstrap.min.") and css != "bootstrap.min.css", "hashed name"
        status, body = fetch(port, f"/static/vendor/bootstrap-5.3.9/{css}", **HTTPS)
        assert status == 200
        assert b"Bootstrap" in body[:200]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_beat_starts_and_stores_the_schedule_in_the_database(tmp_path):
    beat = subprocess.Popen(
        [BIN / "celery", "-A", "config", "beat", "--loglevel", "INFO"],
        cwd=tmp_path,
        env={**production_env(), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if PeriodicTask.objects.filter(name__in=BEAT_SCHEDULE).count() == len(BEAT_SCHEDULE):
                break
            time.sleep(0.3)
    finally:
        beat.send_signal(signal.SIGTERM)
        output = beat.communicate(timeout=20)[0]
    stored = set(PeriodicTask.objects.values_list("name", flat=True))
    assert set(BEAT_SCHEDULE) <= stored, output
    task = PeriodicTask.objects.get(name="clear-expired-sessions")
    assert task.task == "config.tasks.clear_expired_sessions"
    assert task.crontab.hour == "3"
