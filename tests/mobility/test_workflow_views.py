"""The workflow pages: each side sees its buttons; out-of-scope ids are 404."""

import pytest
from django.urls import reverse
from django.utils import timezone

from branches.models import OrgKind, OrgLevel, Role
from mobility import services
from mobility.models import Certificate, CertificateEntry, Episode
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("川", parent=root)
    b = province_tree("浙", parent=root)
    users = {}
    for name, role, org in [
        ("outflow", Role.SECRETARY, a["branch1"]),
        ("committee", Role.SECRETARY, a["township"]),
        ("inflow", Role.SECRETARY, b["branch1"]),
        ("other_b", Role.SECRETARY, b["branch2"]),
    ]:
        users[name] = UserFactory(username=name)
        RoleAssignmentFactory(user=users[name], role=role, organization=org)
    member = MemberFactory(branch=a["branch1"], name="赵外出", full=True)
    stay = MemberFactory(branch=a["branch1"], name="钱在家", full=True)
    return {"a": a, "b": b, "u": users, "member": member, "stay": stay}


def post(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data or {})


def test_the_workflow_through_the_pages(client, world):
    u, a, b = world["u"], world["a"], world["b"]
    client.force_login(u["outflow"])
    page = client.get(reverse("mobility:branch", args=[a["branch1"].pk]))
    assert page.status_code == 200 and "钱在家" in page.content.decode()
    response = client.post(
        reverse("mobility:branch", args=[a["branch1"].pk]),
        {
            "member": world["member"].pk,
            "reason": "employment",
            "destination_region": "浙江省杭州市",
            "contact": "13800000000",
            "reported_on": TODAY.isoformat(),
            "started_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    episode = Episode.objects.get()
    url = reverse("mobility:episode", args=[episode.pk])
    assert response["Location"] == url
    request_url = reverse("mobility:episode_request", args=[episode.pk])
    assert request_url in client.get(url).content.decode()
    client.post(request_url)
    cert = Certificate.objects.get()
    # The branch has no stamp button; the grassroots committee does.
    stamp = reverse("mobility:certificate_step", args=[cert.pk, "stamp"])
    assert stamp not in client.get(url).content.decode()
    client.force_login(u["committee"])
    assert stamp in client.get(url).content.decode()
    client.post(stamp)
    post(client, u["outflow"], reverse("mobility:certificate_step", args=[cert.pk, "issue"]))
    cert.refresh_from_db()
    assert cert.status == "issued" and cert.number

    # The inflow secretary looks the number up and checks the member in.
    client.force_login(u["inflow"])
    assert client.get(url).status_code == 404
    # The number alone is sequential: it shows nobody's name.
    client.get(reverse("mobility:check_in"))  # shows (and clears) the last step's message
    for code in ("", "WRONGCODE2"):
        lookup = client.get(reverse("mobility:check_in"), {"number": cert.number, "code": code})
        assert "赵外出" not in lookup.content.decode()
    # The code as typed off paper: lower case, with a space.
    typed = f"{cert.verification_code[:5].lower()} {cert.verification_code[5:]}"
    lookup = client.get(reverse("mobility:check_in"), {"number": cert.number, "code": typed})
    assert "赵外出" in lookup.content.decode()
    response = client.post(
        reverse("mobility:check_in"),
        {
            "number": cert.number,
            "code": typed,
            "inflow_organization": b["branch1"].pk,
            "basis": "mobile_org",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mobility:inflow", args=[b["branch1"].pk])
    inflow_page = client.get(response["Location"])
    assert "赵外出" in inflow_page.content.decode()
    client.post(
        reverse("mobility:certificate_entry", args=[cert.pk, "org_life"]),
        {"on": TODAY.isoformat(), "description": "主题党日"},
    )
    assert CertificateEntry.objects.filter(kind="org_life").count() == 1
    assert "主题党日" in client.get(url).content.decode()
    # The member's record opens for the inflow side; another member's does not.
    assert client.get(reverse("members:detail", args=[world["member"].pk])).status_code == 200
    assert client.get(reverse("members:detail", args=[world["stay"].pk])).status_code == 404
    assert client.get(reverse("mobility:branch", args=[a["branch1"].pk])).status_code == 404

    post(
        client,
        u["outflow"],
        reverse("mobility:certificate_step", args=[cert.pk, "return"]),
        {"returned_on": TODAY.isoformat(), "review": "表现良好"},
    )
    cert.refresh_from_db()
    assert cert.status == "returned"


def test_a_refused_step_shows_the_message_and_changes_nothing(client, world):
    episode = services.episode_create(
        actor=world["u"]["outflow"],
        member=world["member"],
        reason="study",
        destination_region="杭州",
        contact="1",
        reported_on=TODAY,
        started_on=TODAY,
    )
    cert = services.certificate_request(actor=world["u"]["outflow"], episode=episode)
    response = post(
        client,
        world["u"]["outflow"],
        reverse("mobility:certificate_step", args=[cert.pk, "issue"]),
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert cert.get_status_display() in page or "requested" in page.lower()
    cert.refresh_from_db()
    assert cert.status == "requested" and cert.number == ""


def test_a_second_leaving_shows_the_error_on_the_form(client, world):
    services.episode_create(
        actor=world["u"]["outflow"],
        member=world["member"],
        reason="study",
        destination_region="杭州",
        contact="1",
        reported_on=TODAY,
        started_on=TODAY,
    )
    response = post(
        client,
        world["u"]["outflow"],
        reverse("mobility:branch", args=[world["a"]["branch1"].pk]),
        {
            "member": world["member"].pk,
            "reason": "study",
            "destination_region": "杭州",
            "contact": "1",
            "reported_on": TODAY.isoformat(),
            "started_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200
    assert "赵外出" in response.context["form"].errors["member"][0]
    assert Episode.objects.count() == 1


def test_out_of_scope_ids_are_404(client, world):
    episode = services.episode_create(
        actor=world["u"]["outflow"],
        member=world["member"],
        reason="study",
        destination_region="杭州",
        contact="1",
        reported_on=TODAY,
        started_on=TODAY,
    )
    cert = services.certificate_request(actor=world["u"]["outflow"], episode=episode)
    client.force_login(world["u"]["other_b"])
    for url in [
        reverse("mobility:branch", args=[world["a"]["branch1"].pk]),
        reverse("mobility:episode", args=[episode.pk]),
        reverse("mobility:inflow", args=[world["b"]["branch1"].pk]),
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        reverse("mobility:episode_request", args=[episode.pk]),
        reverse("mobility:certificate_step", args=[cert.pk, "cancel"]),
        reverse("mobility:certificate_entry", args=[cert.pk, "org_life"]),
    ]:
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    cert.refresh_from_db()
    assert cert.status == "requested"


def _away(world, branch, n):
    for i in range(n):
        member = MemberFactory(branch=branch, full=True)
        episode = services.episode_create(
            actor=world["u"]["outflow"],
            member=member,
            reason="employment",
            destination_region="杭州",
            contact=str(i),
            reported_on=TODAY,
            started_on=TODAY,
        )
        cert = services.certificate_request(actor=world["u"]["outflow"], episode=episode)
        services.certificate_stamp(actor=world["u"]["committee"], certificate=cert)
        cert = services.certificate_issue(actor=world["u"]["outflow"], certificate=cert)
        services.certificate_check_in(
            actor=world["u"]["inflow"],
            number=cert.number,
            code=cert.verification_code,
            inflow_organization=world["b"]["branch1"],
            basis="mobile_org",
        )


def test_branch_and_inflow_pages_take_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries
):
    _away(world, world["a"]["branch1"], 3)
    branch_url = reverse("mobility:branch", args=[world["a"]["branch1"].pk])
    inflow_url = reverse("mobility:inflow", args=[world["b"]["branch1"].pk])
    client.force_login(world["u"]["outflow"])
    with django_assert_max_num_queries(40) as few:
        client.get(branch_url)
    client.force_login(world["u"]["inflow"])
    with django_assert_max_num_queries(40) as few_inflow:
        client.get(inflow_url)
    _away(world, world["a"]["branch1"], 6)
    client.force_login(world["u"]["outflow"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(branch_url)
    assert page.content.decode().count("/mobility/episodes/") >= 9
    client.force_login(world["u"]["inflow"])
    with django_assert_max_num_queries(len(few_inflow.captured_queries)):
        page = client.get(inflow_url)
    assert page.status_code == 200


def test_the_member_page_links_to_registering_leaving(client, world):
    client.force_login(world["u"]["outflow"])
    page = client.get(reverse("members:detail", args=[world["member"].pk])).content.decode()
    assert reverse("mobility:branch", args=[world["a"]["branch1"].pk]) in page
    org_page = client.get(reverse("branches:detail", args=[world["a"]["branch1"].pk]))
    assert reverse("mobility:branch", args=[world["a"]["branch1"].pk]) in org_page.content.decode()


def away(world):
    return services.episode_create(
        actor=world["u"]["outflow"],
        member=world["member"],
        reason="employment",
        destination_region="浙江省杭州市",
        contact="13800000000",
        reported_on=TODAY,
        started_on=TODAY,
    )


def test_an_episode_without_certificate_is_closed_on_its_page(client, world):
    episode = away(world)
    url = reverse("mobility:episode", args=[episode.pk])
    back = reverse("mobility:episode_close", args=[episode.pk, "return"])
    client.force_login(world["u"]["outflow"])
    assert back in client.get(url).content.decode()
    # Out of reach for the other province; a date in the future is refused.
    assert post(client, world["u"]["inflow"], back, {"returned_on": TODAY}).status_code == 404
    tomorrow = TODAY + timezone.timedelta(days=1)
    post(client, world["u"]["outflow"], back, {"returned_on": tomorrow.isoformat()})
    assert Episode.objects.get(pk=episode.pk).status == "away"
    response = post(client, world["u"]["outflow"], back, {"returned_on": TODAY.isoformat()})
    assert response.status_code == 302
    assert Episode.objects.get(pk=episode.pk).status == "returned"
    assert back not in client.get(url).content.decode()


def test_a_failed_check_in_shows_the_form_again_with_its_error(client, world):
    episode = away(world)
    cert = services.certificate_request(actor=world["u"]["outflow"], episode=episode)
    services.certificate_stamp(actor=world["u"]["committee"], certificate=cert)
    cert = services.certificate_issue(actor=world["u"]["outflow"], certificate=cert)
    client.force_login(world["u"]["inflow"])
    data = {"number": cert.number, "code": cert.verification_code, "basis": "employer"}
    response = client.post(reverse("mobility:check_in"), {**data, "inflow_organization": 0})
    page = response.content.decode()
    assert response.status_code == 200 and "赵外出" in page
    form = page[page.index('<form method="post" class="col-lg-6">') :]
    form = form[: form.index("</form>")]
    assert 'name="inflow_organization"' in form and "csrfmiddlewaretoken" in form
    assert page.count('id="id_number"') == 1 and page.count('id="ci_number"') == 1
    assert Certificate.objects.get(pk=cert.pk).status == "issued"
