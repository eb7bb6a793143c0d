"""Settings come from the environment and are safe by default."""

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

PROD_ENV = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "dangjian.example.org",
}


def run(code_or_args: list[str], **env_overrides) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DEBUG", "SECURE_", "STATIC_", "DJANGO_ALLOW_ASYNC"))
    }
    env.update(PROD_ENV, NO_DEV_ENV="1")
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_defaults_are_safe():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.LANGUAGE_CODE, s.TIME_ZONE]))"
    )
    result = run(["-c", code], DJANGO_SETTINGS_MODULE="config.settings")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        False,
        True,
        True,
        True,
        31536000,
        "zh-hans",
        "Asia/Shanghai",
    ]


def test_missing_secret_key_is_refused_with_a_clear_message():
    result = run(["manage.py", "check"], SECRET_KEY=None)
    assert result.returncode != 0
    assert "Set the SECRET_KEY environment variable" in result.stderr


def test_sqlite_is_refused():
    result = run(["manage.py", "check"], DATABASE_URL="sqlite:////tmp/x.sqlite3")
    assert result.returncode != 0
    assert "DATABASE_URL must point to PostgreSQL" in result.stderr


def test_missing_redis_url_is_refused():
    result = run(["manage.py", "check"], REDIS_URL=None, CELERY_BROKER_URL=None)
    assert result.returncode != 0
    assert "Set REDIS_URL" in result.stderr


def test_production_logs_one_json_object_a_line():
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('partybranch.test').warning('支部 %s', 'A', extra={'org': 7})"
    )
    result = run(["-c", code], DJANGO_SETTINGS_MODULE="config.settings")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    record = json.loads(lines[-1])
    assert record["message"] == "支部 A"
    assert record["level"] == "WARNING"
    assert record["logger"] == "partybranch.test"
    assert record["org"] == 7


def test_database_is_postgresql():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
