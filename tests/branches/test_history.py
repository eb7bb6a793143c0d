"""A record's history (branches/history.py): each change with who, when,
which action and what changed, on a page linked from the record; only for
those who may see the record; the event tables refuse UPDATE and DELETE."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from branches import services
from branches.history import event_tables
from branches.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory, province_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a = province_tree("辛")
    b = province_tree("壬")
    staff = UserFactory(username="history_staff", name="组织部甲")
    RoleAssignmentFactory(user=staff, role=Role.ORG_STAFF, organization=a["county"])
    other = UserFactory(username="history_other")
    RoleAssignmentFactory(user=other, role=Role.ORG_STAFF, organization=b["county"])
    return {"a": a, "staff": staff, "other": other}


def test_the_history_names_who_changed_what(client, world):
    branch = world["a"]["branch1"]
    services.organization_update(actor=world["staff"], organization=branch, name="辛新支部")
    client.force_login(world["staff"])
    page = client.get(reverse("branches:detail", args=[branch.pk]))
    url = reverse("record_history", args=["branches.organization", branch.pk])
    assert url in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-test="event"') == 2  # created, then renamed
    assert "组织部甲" in html
    assert "辛支部1" in html and "辛新支部" in html  # the name before and after


def test_out_of_reach_records_and_unknown_models_are_not_found(client, world):
    branch = world["a"]["branch1"]
    client.force_login(world["other"])
    assert (
        client.get(reverse("record_history", args=["branches.organization", branch.pk])).status_code
        == 404
    )
    client.force_login(world["staff"])
    for label in ("branches.cyclerun", "nothing.here", "auth.group"):
        assert client.get(reverse("record_history", args=[label, branch.pk])).status_code == 404


def test_history_rows_cannot_be_changed_or_deleted(world):
    table = "branches_organizationevent"
    assert table in event_tables()
    with connection.cursor() as cursor:
        statements = (
            "UPDATE branches_organizationevent SET name = name",
            "DELETE FROM branches_organizationevent",
        )
        for statement in statements:
            with (
                pytest.raises(DatabaseError, match="cannot be changed or deleted"),
                transaction.atomic(),
            ):
                cursor.execute(statement)
    # Every event table has the trigger.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'pb_append_only'"
        )
        protected = {row[0] for row in cursor.fetchall()}
    assert set(event_tables()) <= protected
