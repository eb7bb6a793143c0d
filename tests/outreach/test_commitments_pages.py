"""The branch page, the member's page, evidence download and the public board."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outreach import selectors_commitments as selectors
from outreach import services_commitments as services
from outreach.models import Commitment, CommitmentEvaluation, ServicePost
from tests.factories import MemberFactory

from .walk_commitments import commitments_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR = TODAY.year
END = datetime.date(YEAR, 12, 31)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def w():
    return commitments_world()


def approved(w, member, content="为群众办实事"):
    c = services.commitment_create(
        actor=w["secretary"], member=member, content=content, target_date=END, submit=True
    )
    return services.commitment_approve(actor=w["secretary"], commitment=c)


def test_the_branch_page_lists_by_status_and_who_has_none(client, w):
    approved(w, w["member"])
    services.commitment_create(
        actor=w["secretary"], member=w["others"][0], content="草稿", target_date=END
    )
    client.force_login(w["secretary"])
    url = reverse("outreach:commitments", args=[w["a"]["branch1"].pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-group="approved"' in html and 'data-group="draft"' in html
    without = {m.pk for m in page.context["without"]}
    # A draft not yet submitted to the branch is no commitment yet.
    assert without == {w["others"][0].pk, w["others"][1].pk, w["others"][2].pk}
    assert "outreach/board/" in html
    # The branch enters a commitment for a member.
    response = client.post(
        url, {"member": w["others"][1].pk, "content": "楼道清理", "target_date": END.isoformat()}
    )
    assert response.status_code == 302
    assert Commitment.objects.get(member=w["others"][1]).status == "submitted"
    # Another province's secretary: 404; the member: 403 on POST.
    client.force_login(w["other"])
    assert client.get(url).status_code == 404
    client.force_login(w["member_user"])
    assert client.post(url, {}).status_code == 403


def test_the_branch_page_query_count_is_constant(client, w, django_assert_max_num_queries):
    client.force_login(w["secretary"])
    url = reverse("outreach:commitments", args=[w["a"]["branch1"].pk])
    for m in [w["member"], *w["others"]]:
        approved(w, m)
    client.get(url)
    with django_assert_max_num_queries(25) as few:
        client.get(url)
    for i in range(8):
        m = MemberFactory(branch=w["a"]["branch1"], name=f"周{i}")
        c = approved(w, m)
        services.evaluation_add(commitment=c, rating="satisfied", visitor=f"v{i}")
        MemberFactory(branch=w["a"]["branch1"], name=f"吴{i}")  # without one
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_steps_through_the_pages_and_scoped_evidence(client, w, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(w["member_user"])
    response = client.post(
        reverse("outreach:my_commitments"),
        {"content": "帮老人学用手机", "target_date": END.isoformat(), "submit": "1"},
    )
    assert response.status_code == 302
    c = Commitment.objects.get(member=w["member"])
    assert c.status == "submitted"
    assert client.get(reverse("outreach:my_commitments")).status_code == 200
    client.force_login(w["secretary"])
    step = reverse("outreach:commitment_step", args=[c.pk, "return"])
    client.post(step, {"note": "请写明时间地点"})
    assert Commitment.objects.get(pk=c.pk).status == "returned"
    client.force_login(w["member_user"])
    page = client.get(reverse("outreach:commitment", args=[c.pk]))
    assert "请写明时间地点" in page.content.decode()
    client.post(
        reverse("outreach:commitment", args=[c.pk]),
        {"content": "每周六在服务点帮老人学用手机", "target_date": END.isoformat()},
    )
    client.post(reverse("outreach:commitment_step", args=[c.pk, "submit"]))
    client.force_login(w["secretary"])
    client.post(reverse("outreach:commitment_step", args=[c.pk, "approve"]))
    assert Commitment.objects.get(pk=c.pk).status == "approved"
    # An illegal step leaves the status and says so.
    client.post(reverse("outreach:commitment_step", args=[c.pk, "approve"]))
    assert Commitment.objects.get(pk=c.pk).status == "approved"
    client.force_login(w["member_user"])
    response = client.post(
        reverse("outreach:commitment_progress", args=[c.pk]),
        {
            "on": TODAY.isoformat(),
            "note": "已教10位老人",
            "evidence": SimpleUploadedFile("a.png", PNG, content_type="image/png"),
        },
    )
    assert response.status_code == 302
    progress = c.progress.get()
    evidence = reverse("outreach:commitment_evidence", args=[progress.pk])
    got = client.get(evidence)
    assert got.status_code == 200 and got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Type"] == "image/png"
    client.force_login(w["other"])
    assert client.get(evidence).status_code == 404
    assert client.get(reverse("outreach:commitment", args=[c.pk])).status_code == 404
    assert client.get(evidence.replace("/evidence/", "/")).status_code == 404
    assert Client().get(evidence).status_code == 302  # login first
    client.force_login(w["secretary"])
    response = client.post(
        reverse("outreach:commitment_step", args=[c.pk, "done"]),
        {"completed_on": TODAY.isoformat(), "note": "全年坚持"},
    )
    assert response.status_code == 302
    assert Commitment.objects.get(pk=c.pk).status == "done"


def test_the_public_board_shows_names_only(w):
    member = w["member"]
    c = approved(w, member, content="每月为独居老人测血压")
    draft = services.commitment_create(
        actor=w["secretary"], member=w["others"][0], content="还没批准的草稿", target_date=END
    )
    token = selectors.board_token(w["a"]["branch1"])
    assert str(w["a"]["branch1"].pk) != token
    page = Client().get(reverse("outreach:board", args=[token]))
    assert page.status_code == 200
    html = page.content.decode()
    assert member.name in html and c.content in html
    assert draft.content not in html
    for private in (
        member.id_number_masked,
        member.id_number_masked[:6],
        member.id_number_masked[-4:],
        member.phone,
        member.phone[-4:],
        member.birth_date.isoformat(),
        member.birth_date.strftime("%Y年%-m月%-d日"),
        w["member_user"].username,
        w["member_user"].email,
    ):
        assert private not in html, private
    assert "id_number" not in html
    # A forged or another token: 404.
    assert Client().get(reverse("outreach:board", args=[token + "x"])).status_code == 404
    assert (
        Client().get(reverse("outreach:board", args=[str(w["a"]["branch1"].pk)])).status_code == 404
    )


def test_evaluations_one_a_day_rate_limited_csrf_and_hideable(w, client):
    c = approved(w, w["member"])
    token = selectors.board_token(w["a"]["branch1"])
    url = reverse("outreach:board", args=[token])
    data = {"commitment": c.pk, "rating": "satisfied", "comment": "很负责"}
    assert Client(REMOTE_ADDR="10.0.0.1").post(url, data).status_code == 302
    again = Client(REMOTE_ADDR="10.0.0.1").post(url, {**data, "rating": "fairly"})
    assert again.status_code == 400
    assert (
        Client(REMOTE_ADDR="10.0.0.2").post(url, {**data, "comment": "垃圾话"}).status_code == 302
    )
    evaluation = CommitmentEvaluation.objects.get(comment="垃圾话")
    assert evaluation.visitor and "10.0.0.2" not in evaluation.visitor
    assert CommitmentEvaluation.objects.filter(commitment=c).count() == 2
    # CSRF is checked.
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR="10.0.0.3")
    assert strict.post(url, data).status_code == 403
    # Another branch's commitment cannot be evaluated on this board.
    outside = services.commitment_create(
        actor=w["other"], member=w["outside"], content="外省", target_date=END, submit=True
    )
    services.commitment_approve(actor=w["other"], commitment=outside)
    assert (
        Client(REMOTE_ADDR="10.0.0.4").post(url, {**data, "commitment": outside.pk}).status_code
        == 404
    )
    # Rate limit per address.
    flood = Client(REMOTE_ADDR="10.0.0.9")
    codes = [flood.post(url, {**data, "rating": "bad"}).status_code for _ in range(12)]
    assert codes[-1] == 429
    # The branch hides the abusive one: gone from the board, still counted apart.
    client.force_login(w["secretary"])
    client.post(reverse("outreach:evaluation_hide", args=[evaluation.pk]))
    assert CommitmentEvaluation.objects.get(pk=evaluation.pk).hidden
    html = Client().get(url).content.decode()
    assert "垃圾话" not in html and "很负责" in html
    client.force_login(w["other"])
    assert client.post(reverse("outreach:evaluation_hide", args=[evaluation.pk])).status_code == 404


def test_the_board_query_count_is_constant(w, django_assert_max_num_queries):
    url = reverse("outreach:board", args=[selectors.board_token(w["a"]["branch1"])])
    approved(w, w["member"])
    Client().get(url)
    with django_assert_max_num_queries(10) as few:
        Client().get(url)
    for i in range(6):
        c = approved(w, MemberFactory(branch=w["a"]["branch1"], name=f"郑{i}"))
        for k in range(3):
            services.evaluation_add(
                commitment=c, rating="fairly", comment=f"评{k}", visitor=f"{i}-{k}"
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        Client().get(url)


def test_posts_pages(client, w):
    sec = w["secretary"]
    org = w["a"]["branch1"]
    client.force_login(sec)
    url = reverse("outreach:posts", args=[org.pk])
    assert (
        client.post(url, {"title": "调解岗", "duties": "调解纠纷", "places": 1}).status_code == 302
    )
    post = org_post = ServicePost.objects.get(organization=org)
    client.post(reverse("outreach:post_assign", args=[post.pk]), {"member": w["others"][0].pk})
    client.post(reverse("outreach:post_assign", args=[post.pk]), {"member": w["others"][1].pk})
    assert post.holders.filter(status="active").count() == 1
    assert client.get(url).status_code == 200
    assert client.get(reverse("outreach:post", args=[post.pk])).status_code == 200
    client.force_login(w["member_user"])
    page = client.get(reverse("outreach:my_commitments"))
    assert page.status_code == 200
    client.post(reverse("outreach:post_apply", args=[org_post.pk]))
    assert post.holders.filter(status="applied", member=w["member"]).exists()
    client.force_login(w["other"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("outreach:post", args=[post.pk])).status_code == 404
