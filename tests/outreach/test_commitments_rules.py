"""Commitments (document 2, 二（二）): limits, approvals, returns, transitions,
evidence; service posts (二（三）) never over capacity."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import timezone

from members.models import MemberFlag
from outreach import services_commitments as services
from outreach.models import Commitment, CommitmentProgress, PostHolder
from tests.factories import MemberFactory, PolicyOverrideFactory

from .walk_commitments import commitments_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
END = datetime.date(YEAR, 12, 31)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def w():
    return commitments_world()


def create(w, actor=None, member=None, **kw):
    return services.commitment_create(
        actor=actor or w["member_user"],
        member=member or w["member"],
        content=kw.pop("content", "每月为独居老人测血压"),
        target_date=kw.pop("target_date", END),
        **kw,
    )


def test_at_most_two_a_year_and_a_withdrawn_one_frees_a_place(w):
    first = create(w)
    create(w, actor=w["secretary"], submit=True)
    with pytest.raises(ValidationError) as error:
        create(w)
    assert "2" in error.value.message_dict["member"][0]
    assert Commitment.objects.filter(member=w["member"]).count() == 2
    services.commitment_withdraw(actor=w["member_user"], commitment=first)
    create(w)
    # Another year has its own limit.
    create(w, target_date=datetime.date(YEAR + 1, 6, 1))


def test_a_local_policy_override_of_the_maximum(w):
    PolicyOverrideFactory(organization=w["a"]["county"], key="commitments_max_per_year", value=1)
    create(w)
    with pytest.raises(ValidationError) as error:
        create(w)
    assert "1" in error.value.message_dict["member"][0]
    # The other province keeps the default of two.
    create(w, actor=w["other"], member=w["outside"])
    create(w, actor=w["other"], member=w["outside"])


def test_aged_or_left_members_and_dates_outside_the_year_are_refused(w):
    aged = w["others"][0]
    MemberFlag.objects.create(member=aged, kind="aged_infirm", set_on=TODAY, set_by=w["secretary"])
    with pytest.raises(ValidationError) as error:
        create(w, actor=w["secretary"], member=aged)
    assert "member" in error.value.message_dict
    left = MemberFactory(
        branch=w["a"]["branch1"], left_on=TODAY, left_reason="death", name="李已故"
    )
    with pytest.raises(ValidationError) as error:
        create(w, actor=w["secretary"], member=left)
    assert "member" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        create(w, target_date=datetime.date(YEAR + 1, 1, 1), year=YEAR)
    assert "target_date" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        create(w, content="  ")
    assert "content" in error.value.message_dict
    assert not Commitment.objects.exists()


def test_submit_return_revise_approve_progress_complete(w):
    c = create(w)
    c = services.commitment_submit(actor=w["member_user"], commitment=c)
    with pytest.raises(ValidationError) as error:
        services.commitment_return(actor=w["secretary"], commitment=c, note="")
    assert "note" in error.value.message_dict
    c = services.commitment_return(actor=w["secretary"], commitment=c, note="写具体些")
    assert c.status == "returned" and c.decision_note == "写具体些"
    c = services.commitment_update(
        actor=w["member_user"],
        commitment=c,
        content="每月第一个周六为3号楼老人测血压",
        target_date=END,
    )
    c = services.commitment_submit(actor=w["member_user"], commitment=c)
    c = services.commitment_approve(actor=w["secretary"], commitment=c)
    assert c.status == "approved" and c.decided_by == w["secretary"]
    services.progress_add(actor=w["member_user"], commitment=c, on=TODAY, note="已测5户")
    with pytest.raises(ValidationError) as error:
        services.commitment_complete(actor=w["secretary"], commitment=c, done=True, note="完成")
    assert "completed_on" in error.value.message_dict
    c = services.commitment_complete(
        actor=w["secretary"], commitment=c, done=True, completed_on=TODAY, note="全年坚持"
    )
    assert c.status == "done" and c.completed_on == TODAY


@pytest.mark.parametrize(
    ("state", "step"),
    [
        ("draft", "approve"),
        ("approved", "approve"),
        ("submitted", "complete"),
        ("done", "withdraw"),
        ("withdrawn", "submit"),
        ("approved", "update"),
        ("returned", "progress"),
    ],
)
def test_illegal_transitions_are_refused_naming_the_status(w, state, step):
    c = create(w)
    Commitment.objects.filter(pk=c.pk).update(
        status=state, completed_on=TODAY if state == "done" else None
    )
    calls = {
        "approve": lambda: services.commitment_approve(actor=w["secretary"], commitment=c),
        "complete": lambda: services.commitment_complete(
            actor=w["secretary"], commitment=c, done=False, note="未完成"
        ),
        "withdraw": lambda: services.commitment_withdraw(actor=w["secretary"], commitment=c),
        "submit": lambda: services.commitment_submit(actor=w["member_user"], commitment=c),
        "update": lambda: services.commitment_update(
            actor=w["member_user"], commitment=c, content="改", target_date=END
        ),
        "progress": lambda: services.progress_add(
            actor=w["member_user"], commitment=c, on=TODAY, note="x"
        ),
    }
    with pytest.raises(ValidationError) as error:
        calls[step]()
    label = str(Commitment(status=state).get_status_display())
    assert label in error.value.message_dict["status"][0]
    assert Commitment.objects.get(pk=c.pk).status == state


def test_only_the_branch_decides_and_only_its_own(w):
    c = services.commitment_submit(actor=w["member_user"], commitment=create(w))
    with pytest.raises(PermissionDenied):
        services.commitment_approve(actor=w["member_user"], commitment=c)
    with pytest.raises(Http404):
        services.commitment_approve(actor=w["other"], commitment=c)
    with pytest.raises(Http404):
        create(w, actor=w["other"])  # another province's secretary, for our member
    assert Commitment.objects.get(pk=c.pk).status == "submitted"


def test_evidence_is_checked_by_its_bytes_and_size(w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    c = services.commitment_submit(actor=w["member_user"], commitment=create(w))
    c = services.commitment_approve(actor=w["secretary"], commitment=c)
    ok = services.progress_add(
        actor=w["member_user"],
        commitment=c,
        on=TODAY,
        note="照片",
        evidence=SimpleUploadedFile("现场.png", PNG, content_type="image/png"),
    )
    assert ok.evidence_type == "image/png" and ok.evidence_name == "现场.png"
    with pytest.raises(ValidationError) as error:
        services.progress_add(
            actor=w["member_user"],
            commitment=c,
            on=TODAY,
            note="假图片",
            evidence=SimpleUploadedFile("x.jpg", b"MZ\x90\x00evil", content_type="image/jpeg"),
        )
    assert "evidence" in error.value.message_dict
    settings.EDUCATION_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationError) as error:
        services.progress_add(
            actor=w["member_user"],
            commitment=c,
            on=TODAY,
            note="太大",
            evidence=SimpleUploadedFile("big.png", PNG, content_type="image/png"),
        )
    assert "evidence" in error.value.message_dict
    assert CommitmentProgress.objects.count() == 1


def test_a_post_never_holds_more_members_than_its_places(w):
    sec = w["secretary"]
    post = services.post_create(
        actor=sec, organization=w["a"]["branch1"], title="宣传岗", duties="宣传政策", places=1
    )
    first, second = w["others"][:2]
    holder = services.post_assign(actor=sec, post=post, member=first)
    with pytest.raises(ValidationError) as error:
        services.post_assign(actor=sec, post=post, member=second)
    assert "status" in error.value.message_dict
    applied = services.post_apply(actor=w["member_user"], post=post, member=w["member"])
    with pytest.raises(ValidationError):
        services.holder_approve(actor=sec, holder=applied)
    with pytest.raises(ValidationError):  # places below the holders
        services.post_update(actor=sec, post=post, title="宣传岗", duties="宣传", places=0)
    with pytest.raises(ValidationError) as error:
        services.post_apply(actor=w["member_user"], post=post, member=w["member"])
    assert "member" in error.value.message_dict  # already applied
    services.post_log_add(actor=sec, holder=holder, on=TODAY, note="入户宣传")
    services.holder_end(actor=sec, holder=holder)
    applied = services.holder_approve(actor=sec, holder=applied)
    assert applied.status == "active"
    services.post_log_add(actor=w["member_user"], holder=applied, on=TODAY, note="发放资料")
    assert PostHolder.objects.filter(post=post, status="active").count() == 1
    # A member of another province cannot be put on the post.
    with pytest.raises(ValidationError):
        services.post_update(actor=sec, post=post, title="宣传岗", duties="宣传", places=2)
        services.post_assign(actor=sec, post=post, member=w["outside"])
    with pytest.raises(Http404):
        services.post_assign(actor=w["other"], post=post, member=w["outside"])
