"""The strict Content-Security-Policy: on every response, no inline script
allowed, and no template relies on one (script blocks without `src`, or
event-handler attributes such as onclick=)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def directives(header: str) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.mark.parametrize("url", ["/accounts/login/", "/healthz", "/api/schema/"])
def test_every_response_carries_the_policy(client, url):
    policy = directives(client.get(url).headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_no_template_has_inline_script_or_handlers():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for pattern in (INLINE_SCRIPT, HANDLER):
            offenders += [
                f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in pattern.finditer(text)
            ]
    assert offenders == []


def test_the_pattern_would_find_them():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js"></script>')
    assert HANDLER.search('<button onclick="x()">')
    assert not HANDLER.search('<button data-confirm="x">')
