"""Objects of rectification tracking for the generic URL walk (tests/test_scope_walk.py).

`add_accountability(a, b, user)`: a rectification order with one progress
update carrying an evidence file, in a["branch2"] and b["branch1"] (out of
reach of the walker, a secretary of a["branch1"]; issued by their township)
and in a["branch1"] (in reach: the walker's branch is the ordered one); a weak and
lax organisation record (with its own order) for each of the three."""

import datetime

from django.core.files.base import ContentFile

from accountability.models import RectificationOrder, RectificationUpdate, WeakUnit
from branches.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def add_order(organization, issuer, by, *, deadline=None, status="issued"):
    order = RectificationOrder.objects.create(
        organization=organization,
        issued_by_org=issuer,
        source_kind="inspection",
        source_ref="督查通报",
        problem="“三会一课”记录不全",
        required="补全记录并按月报送",
        issued_on=datetime.date(2026, 3, 1),
        deadline=deadline or datetime.date(2026, 4, 30),
        status=status,
        created_by=by,
    )
    return order


def add_update(order, by):
    update = RectificationUpdate(
        order=order,
        on=datetime.date(2026, 3, 10),
        progress="已补全记录",
        recorded_by=by,
        token=f"walk{order.pk:028d}",
        extension=".pdf",
        original_name="整改报告.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    update.evidence.save(update.token + ".pdf", ContentFile(PDF), save=False)
    update.save()
    return update


def add_accountability(a, b, user):
    for org, issuer in (
        (a["branch2"], a["township"]),
        (b["branch1"], b["township"]),
        (a["branch1"], a["township"]),
    ):
        by = UserFactory()
        RoleAssignmentFactory(user=by, role=Role.ORG_STAFF, organization=issuer)
        order = add_order(org, issuer, by, status="in_progress")
        add_update(order, user if org == a["branch1"] else by)
        weak = add_order(org, issuer, by, status="issued")
        WeakUnit.objects.create(
            organization=org,
            identified_by_org=issuer,
            year=2026,
            identified_on=weak.issued_on,
            problems="软弱涣散",
            measures="整顿",
            order=weak,
            created_by=by,
        )
