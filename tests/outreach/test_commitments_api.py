"""The commitments and service posts API: the same rules, scoped."""

import datetime

import pytest
from django.utils import timezone

from outreach import services_commitments as services
from outreach.models import Commitment, PostHolder

from .walk_commitments import commitments_world

pytestmark = pytest.mark.django_db

END = datetime.date(timezone.localdate().year, 12, 31)
TODAY = timezone.localdate()


@pytest.fixture
def w():
    return commitments_world()


def test_the_commitment_steps_through_the_api(client, w):
    client.force_login(w["secretary"])
    created = client.post(
        "/api/v1/commitments/",
        {"member": w["member"].pk, "content": "帮老人代购", "target_date": END.isoformat()},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert client.post(f"/api/v1/commitments/{pk}/approve/").status_code == 400  # a draft
    assert client.post(f"/api/v1/commitments/{pk}/submit/").json()["status"] == "submitted"
    returned = client.post(
        f"/api/v1/commitments/{pk}/return/", {"note": "写具体"}, content_type="application/json"
    )
    assert returned.json()["status"] == "returned"
    client.post(f"/api/v1/commitments/{pk}/submit/")
    assert client.post(f"/api/v1/commitments/{pk}/approve/").json()["status"] == "approved"
    progress = client.post(
        f"/api/v1/commitments/{pk}/progress/",
        {"on": TODAY.isoformat(), "note": "已代购3次"},
        content_type="application/json",
    )
    assert progress.status_code == 201
    assert len(client.get(f"/api/v1/commitments/{pk}/progress/").json()) == 1
    refused = client.post(
        f"/api/v1/commitments/{pk}/complete/", {"done": True}, content_type="application/json"
    )
    assert refused.status_code == 400 and "completed_on" in refused.json()
    done = client.post(
        f"/api/v1/commitments/{pk}/complete/",
        {"done": True, "completed_on": TODAY.isoformat(), "note": "完成"},
        content_type="application/json",
    )
    assert done.json()["status"] == "done"
    services.evaluation_add(
        commitment=Commitment.objects.get(pk=pk), rating="satisfied", visitor="x"
    )
    assert len(client.get(f"/api/v1/commitments/{pk}/evaluations/").json()) == 1
    withdrawn = client.post(f"/api/v1/commitments/{pk}/withdraw/")
    assert withdrawn.status_code == 400 and "status" in withdrawn.json()
    # Over the maximum: refused naming the member field.
    for _ in range(2):
        last = client.post(
            "/api/v1/commitments/",
            {"member": w["member"].pk, "content": "再一件", "target_date": END.isoformat()},
            content_type="application/json",
        )
    assert last.status_code == 400 and "member" in last.json()


def test_another_branch_gets_404(client, w):
    c = services.commitment_create(
        actor=w["secretary"], member=w["member"], content="实事", target_date=END, submit=True
    )
    post = services.post_create(
        actor=w["secretary"], organization=w["a"]["branch1"], title="岗", duties="职责"
    )
    holder = services.post_assign(actor=w["secretary"], post=post, member=w["others"][0])
    client.force_login(w["other"])
    assert client.get(f"/api/v1/commitments/{c.pk}/").status_code == 404
    assert client.post(f"/api/v1/commitments/{c.pk}/approve/").status_code == 404
    assert client.get("/api/v1/commitments/").json()["count"] == 0
    assert client.get(f"/api/v1/service-posts/{post.pk}/").status_code == 404
    assert client.post(f"/api/v1/post-holders/{holder.pk}/end/").status_code == 404
    created = client.post(
        "/api/v1/commitments/",
        {"member": w["member"].pk, "content": "x", "target_date": END.isoformat()},
        content_type="application/json",
    )
    assert created.status_code == 404
    assert Commitment.objects.get(pk=c.pk).status == "submitted"


def test_posts_and_holders_through_the_api(client, w):
    client.force_login(w["secretary"])
    made = client.post(
        "/api/v1/service-posts/",
        {"organization": w["a"]["branch1"].pk, "title": "宣传岗", "duties": "宣传", "places": 1},
        content_type="application/json",
    )
    assert made.status_code == 201
    pk = made.json()["id"]
    first = client.post(
        f"/api/v1/service-posts/{pk}/assign/",
        {"member": w["others"][0].pk},
        content_type="application/json",
    )
    assert first.status_code == 201
    full = client.post(
        f"/api/v1/service-posts/{pk}/assign/",
        {"member": w["others"][1].pk},
        content_type="application/json",
    )
    assert full.status_code == 400 and "status" in full.json()
    holder = first.json()["id"]
    log = client.post(
        f"/api/v1/post-holders/{holder}/logs/",
        {"on": TODAY.isoformat(), "note": "宣传"},
        content_type="application/json",
    )
    assert log.status_code == 201
    assert client.post(f"/api/v1/post-holders/{holder}/end/").json()["status"] == "ended"
    assert PostHolder.objects.filter(post_id=pk, status="active").count() == 0
    other = client.post(
        "/api/v1/service-posts/",
        {"organization": w["b"]["branch1"].pk, "title": "岗", "duties": "职责"},
        content_type="application/json",
    )
    assert other.status_code == 404


def test_a_member_applies_for_a_post_of_the_branch_through_the_api(client, w):
    post = services.post_create(
        actor=w["secretary"], organization=w["a"]["branch1"], title="宣传岗", duties="宣传"
    )
    outside = services.post_create(
        actor=w["other"], organization=w["b"]["branch1"], title="岗", duties="职责"
    )
    client.force_login(w["member_user"])
    listed = {row["id"] for row in client.get("/api/v1/service-posts/").json()["results"]}
    assert post.pk in listed and outside.pk not in listed
    applied = client.post(f"/api/v1/service-posts/{post.pk}/apply/", {})
    assert applied.status_code == 201, applied.content
    assert PostHolder.objects.get(pk=applied.json()["id"]).member == w["member"]
    assert client.post(f"/api/v1/service-posts/{outside.pk}/apply/", {}).status_code == 404
