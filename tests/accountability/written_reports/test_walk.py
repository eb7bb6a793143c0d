"""The generic URL walk (tests/test_scope_walk.py) on this area's URLs, with
this area's objects (walk.add_written_reports): until the lead wires them into
the shared walk, and as a quicker check afterwards."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.test_scope_walk import (
    EVERY_MODEL,
    ID_RANGE,
    foreign_ids,
    iter_patterns,
    own_ids,
)
from tests.test_scope_walk import world as walk_world  # noqa: F401 - the fixture

from .walk import add_written_reports

pytestmark = pytest.mark.django_db


def ours():
    return [
        (name, params)
        for name, params in iter_patterns()
        if name.startswith("written_reports:") or name.startswith("v1:written-report-")
    ]


def test_written_report_urls_refuse_objects_out_of_reach(client, walk_world):  # noqa: F811
    a, b, user = walk_world["a"], walk_world["b"], walk_world["secretary"]
    add_written_reports(a, b, user)
    client.force_login(user)
    own = own_ids(user)
    patterns = ours()
    assert len(patterns) >= 8
    targets = {}
    for name, params in patterns:
        cache.clear()
        found = set()
        for pk in own:
            if pk // ID_RANGE in found:
                continue
            status = client.get(reverse(name, kwargs=dict.fromkeys(params, pk))).status_code
            if status == 405:
                found = EVERY_MODEL
                break
            if status != 404:
                found.add(pk // ID_RANGE)
        targets[name] = found
    assert not [name for name, found in targets.items() if not found]
    failures = []
    for name, params in patterns:
        found = targets[name]
        methods = ("post",) if found == EVERY_MODEL else ("get", "post")
        for pk in foreign_ids(user):
            if found != EVERY_MODEL and pk // ID_RANGE not in found:
                continue
            cache.clear()
            url = reverse(name, kwargs=dict.fromkeys(params, pk))
            for method in methods:
                status = getattr(client, method)(url).status_code
                if status not in (403, 404, 405):
                    failures.append(f"{method.upper()} {url} ({name}) → {status}")
    assert not failures, "\n".join(failures)
