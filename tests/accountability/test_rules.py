"""Rectification orders (document 4, 限期整改): who issues, records, submits,
accepts; illegal steps refused naming the status; nothing half-saved."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accountability import services
from accountability.models import RectificationOrder, RectificationStatus, RectificationUpdate
from tests.accountability.walk import PDF

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def issue(world, org=None, actor="county", issuer=None, **kwargs):
    fields = {
        "source_kind": "weak_unit",
        "source_ref": "整顿通知",
        "problem": "班子不健全",
        "required": "补齐支部委员",
        "deadline": TODAY + datetime.timedelta(days=30),
    }
    fields.update(kwargs)
    return services.order_issue(
        actor=world["u"][actor],
        issued_by_org=issuer or world["a"]["county"],
        organization=org or world["a"]["branch1"],
        **fields,
    )


def test_full_cycle_issue_progress_submit_return_accept(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    u = world["u"]
    order = issue(world)
    assert order.status == "issued" and order.issued_on == TODAY
    update = services.progress_record(
        actor=u["secretary"],
        order=order,
        progress="已召开党员大会补选委员",
        evidence=SimpleUploadedFile("报告.pdf", PDF, content_type="text/plain"),
    )
    assert update.content_type == "application/pdf" and update.size == len(PDF)
    assert update.evidence.name.endswith(".pdf") and "报告" not in update.evidence.name
    order.refresh_from_db()
    assert order.status == "in_progress"
    services.order_submit(actor=u["secretary"], order=order)
    order = services.order_return(actor=u["county"], order=order, note="缺少会议记录")
    assert order.status == "returned" and order.last_note == "缺少会议记录"
    services.progress_record(actor=u["secretary"], order=order, progress="已补交会议记录")
    services.order_submit(actor=u["secretary"], order=order)
    order = services.order_accept(actor=u["county"], order=order)
    assert order.status == "accepted" and order.accepted_by == u["county"]
    assert order.accepted_at is not None and order.overdue_since is None


def test_only_an_organisation_above_issues(world):
    a, u = world["a"], world["u"]
    with pytest.raises(Http404):  # the branch does not even see the county
        issue(world, actor="secretary")
    with pytest.raises(ValidationError) as error:  # the sibling is not below branch1
        issue(world, actor="secretary", issuer=a["branch1"], org=a["branch2"])
    assert "organization" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # not to itself
        issue(world, issuer=a["county"], org=a["county"])
    assert "organization" in error.value.message_dict
    with pytest.raises(ValidationError):  # another county is not below this one
        issue(world, org=world["branch3"])
    with pytest.raises(PermissionDenied):  # an inspector only views
        issue(world, actor="inspector")
    assert RectificationOrder.objects.count() == 0
    assert u["county"]  # county staff may issue to a township too
    assert issue(world, org=a["township"]).organization == a["township"]


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("deadline", {"deadline": TODAY - datetime.timedelta(days=1)}),
        ("problem", {"problem": "  "}),
        ("required", {"required": ""}),
        ("source_kind", {"source_kind": "rumour"}),
        ("issued_on", {"issued_on": TODAY + datetime.timedelta(days=1)}),
    ],
)
def test_bad_input_is_refused_naming_the_field(world, field, kwargs):
    with pytest.raises(ValidationError) as error:
        issue(world, **kwargs)
    assert field in error.value.message_dict
    assert RectificationOrder.objects.count() == 0


def test_illegal_steps_are_refused_naming_the_status(world):
    u = world["u"]
    order = issue(world)
    with pytest.raises(ValidationError) as error:
        services.order_submit(actor=u["secretary"], order=order)  # nothing recorded yet
    message = error.value.message_dict["status"][0]
    assert str(RectificationStatus.ISSUED.label) in message
    with pytest.raises(ValidationError) as error:
        services.order_accept(actor=u["county"], order=order)
    assert str(RectificationStatus.ISSUED.label) in error.value.message_dict["status"][0]
    services.progress_record(actor=u["secretary"], order=order, progress="进行中")
    with pytest.raises(PermissionDenied):  # the ordered branch does not accept its own order
        services.order_accept(actor=u["secretary"], order=order)
    with pytest.raises(Http404):  # the sibling branch does not even see it
        services.progress_record(actor=u["sibling"], order=order, progress="代填")
    services.order_submit(actor=u["secretary"], order=order)
    with pytest.raises(ValidationError) as error:
        services.progress_record(actor=u["secretary"], order=order, progress="又一条")
    assert str(RectificationStatus.SUBMITTED.label) in error.value.message_dict["status"][0]
    with pytest.raises(ValidationError) as error:
        services.order_return(actor=u["county"], order=order, note=" ")
    assert "note" in error.value.message_dict
    services.order_accept(actor=u["county"], order=order)
    with pytest.raises(ValidationError) as error:
        services.order_cancel(actor=u["county"], order=order, note="撤销")
    assert str(RectificationStatus.ACCEPTED.label) in error.value.message_dict["status"][0]
    order.refresh_from_db()
    assert order.status == "accepted"


def test_bad_evidence_leaves_nothing_saved(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    u = world["u"]
    order = issue(world)
    for upload in (
        SimpleUploadedFile(
            "报告.pdf", b"<script>alert(1)</script>", content_type="application/pdf"
        ),
        SimpleUploadedFile("空.pdf", b"", content_type="application/pdf"),
    ):
        with pytest.raises(ValidationError) as error:
            services.progress_record(
                actor=u["secretary"], order=order, progress="附件", evidence=upload
            )
        assert "evidence" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.progress_record(
            actor=u["secretary"],
            order=order,
            progress="早了",
            on=TODAY - datetime.timedelta(days=9),
        )
    assert "on" in error.value.message_dict
    assert RectificationUpdate.objects.count() == 0
    assert not any(tmp_path.rglob("*.*"))
    order.refresh_from_db()
    assert order.status == "issued"


def test_cancel_needs_a_note_and_the_issuer(world):
    u = world["u"]
    order = issue(world)
    with pytest.raises(PermissionDenied):
        services.order_cancel(actor=u["secretary"], order=order, note="不想整改")
    with pytest.raises(ValidationError):
        services.order_cancel(actor=u["county"], order=order, note="")
    order = services.order_cancel(actor=u["county"], order=order, note="问题已由上级另行处理")
    assert order.status == "cancelled"


def test_database_refuses_broken_invariants(world):
    order = issue(world)
    with transaction.atomic(), pytest.raises(IntegrityError):
        RectificationOrder.objects.filter(pk=order.pk).update(
            deadline=order.issued_on - datetime.timedelta(days=1)
        )
    with transaction.atomic(), pytest.raises(IntegrityError):
        RectificationOrder.objects.filter(pk=order.pk).update(status="accepted")
    with transaction.atomic(), pytest.raises(IntegrityError):
        RectificationOrder.objects.filter(pk=order.pk).update(issued_by_org=world["a"]["branch1"])
