"""Fuzz the REST API against its own OpenAPI schema (schemathesis): for every
operation, reads and writes, generated parameters and bodies (filters, ids,
pages, odd strings, wrong types) must never give a server error, and every
response must match the schema. A bounded number of examples per operation,
derandomized, so CI is repeatable."""

import json

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from branches.models import Role
from config.wsgi import application
from tests.factories import MemberFactory, RoleAssignmentFactory, UserFactory, province_tree

EXAMPLES = 3

schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))
)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The app is called in-process (WSGI): like Django's test client, do not
    let the end of a request close the test's connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def token(db):
    tree = province_tree("庚")
    MemberFactory(branch=tree["branch1"])
    user = UserFactory(username="fuzz_staff")
    RoleAssignmentFactory(user=user, role=Role.ORG_STAFF, organization=tree["province"])
    return Token.objects.create(user=user).key


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_operations_never_fail_and_match_the_schema(case, token):
    # A filter value out of its choices is a clear 400 (documented by DRF, not
    # by each operation): what must never happen is a server error or a body
    # unlike the schema.
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Token {token}", "Host": "testserver"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
