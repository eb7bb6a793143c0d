"""The navigation offers each role its own pages, at no extra query."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from branches.models import Role
from tests.factories import MemberFactory, OrganizationFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


def nav_links(client, user):
    client.force_login(user)
    page = client.get(reverse("members:mine")).content.decode()
    nav = page[page.index('id="main-nav"') : page.index("</nav>")]
    names = ("mobility:mine", "mobility:check_in", "inspections:mine", "home")
    return {name: reverse(name) in nav for name in names}


def test_members_see_their_mobility_and_secretaries_the_check_in(client):
    branch = OrganizationFactory()
    member = UserFactory()
    MemberFactory(branch=branch, user=member)
    RoleAssignmentFactory(user=member, role=Role.MEMBER, organization=branch)
    secretary = UserFactory()
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=branch)
    inspector = UserFactory()
    RoleAssignmentFactory(user=inspector, role=Role.INSPECTOR, organization=branch)

    assert nav_links(client, member) == {
        "mobility:mine": True,
        "mobility:check_in": False,
        "inspections:mine": False,
        "home": True,
    }
    assert nav_links(client, secretary)["mobility:check_in"] is True
    assert nav_links(client, secretary)["mobility:mine"] is False
    assert nav_links(client, inspector) == {
        "mobility:mine": False,
        "mobility:check_in": False,
        "inspections:mine": True,
        "home": True,
    }
    # A spot-check inspector may hold no role at all: reach comes from the draw's grants.
    assert nav_links(client, UserFactory())["inspections:mine"] is True
    assert nav_links(client, secretary)["inspections:mine"] is False


def test_the_roles_are_read_once_a_page(client):
    branch = OrganizationFactory()
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=branch)
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("members:mine"))
    assert reverse("mobility:check_in") in page.content.decode()
    role_reads = [q for q in queries.captured_queries if "branches_roleassignment" in q["sql"]]
    assert len(role_reads) == 1
