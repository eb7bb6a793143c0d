"""The walk of tests/test_scope_walk.py over this area's URLs, with the objects
of walk.py: the secretary of a["branch1"] reaches its own rows, never those
of a["branch2"] or of another province (403/404/405, GET and POST)."""

import pytest
from django.urls import reverse

from accountability.responsibility.models import (
    AccountabilityRecord,
    Commendation,
    LeadingGroup,
    LeadingGroupMeeting,
    LeadingGroupMember,
    ResponsibilityAssignment,
)
from branches.models import Organization, Role
from tests.accountability.responsibility.walk import add_responsibility
from tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db

# URL name → (parameter, model of the id, extra kwargs)
PAGES = [
    ("responsibility:assignments", "org_pk", Organization, {}),
    ("responsibility:group", "org_pk", Organization, {}),
    ("responsibility:commendations", "org_pk", Organization, {}),
    ("responsibility:records", "org_pk", Organization, {}),
    ("responsibility:contact_points", "org_pk", Organization, {}),
    ("responsibility:assignment_end", "pk", ResponsibilityAssignment, {}),
    ("responsibility:group_seat_add", "pk", LeadingGroup, {}),
    ("responsibility:group_meeting_add", "pk", LeadingGroup, {}),
    ("responsibility:group_seat_end", "pk", LeadingGroupMember, {}),
    ("responsibility:commendation_decide", "pk", Commendation, {"step": "award"}),
    ("v1:responsibility-assignment-detail", "pk", ResponsibilityAssignment, {}),
    ("v1:responsibility-assignment-end", "pk", ResponsibilityAssignment, {}),
    ("v1:leading-group-detail", "pk", LeadingGroup, {}),
    ("v1:leading-group-add-member", "pk", LeadingGroup, {}),
    ("v1:leading-group-record-meeting", "pk", LeadingGroup, {}),
    ("v1:leading-group-member-detail", "pk", LeadingGroupMember, {}),
    ("v1:leading-group-member-end", "pk", LeadingGroupMember, {}),
    ("v1:leading-group-meeting-detail", "pk", LeadingGroupMeeting, {}),
    ("v1:commendation-detail", "pk", Commendation, {}),
    ("v1:commendation-award", "pk", Commendation, {}),
    ("v1:commendation-decline", "pk", Commendation, {}),
    ("v1:accountability-record-detail", "pk", AccountabilityRecord, {}),
]


def test_walk(client, world):
    a, b = world["a"], world["b"]
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=a["branch1"])
    add_responsibility(a, b, user)
    client.force_login(user)
    inside_orgs = [a["branch1"]]
    outside_orgs = [a["branch2"], b["branch1"], a["county"], b["county"]]
    for name, param, model, extra in PAGES:
        if model is Organization:
            inside, outside = inside_orgs, outside_orgs
        else:
            field = model.scope_field if isinstance(model.scope_field, str) else "nominee_unit"
            rows = model.objects.all()
            inside = [r for r in rows if _org(r, field) == a["branch1"]]
            outside = [r for r in rows if _org(r, field) != a["branch1"]]
            assert len(inside) == 1 and len(outside) == 2, name
        for row in inside:
            url = reverse(name, kwargs={param: row.pk, **extra})
            assert client.get(url).status_code != 404, url
        for row in outside:
            url = reverse(name, kwargs={param: row.pk, **extra})
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                assert status in (403, 404, 405), f"{method} {url} {status}"


def _org(row, field):
    for name in field.split("__"):
        row = getattr(row, name)
    return row
