"""Members' reports (document 3, 二（三）3) and the inflow side's opinion on
a probationary member's conversion (二（一）5, 二（二）5)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from mobility import reports
from mobility.models import Episode, InflowOpinion, MemberReport
from tests.factories import (
    ActorFactory,
    MemberFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


# Away since the first half of the year: owes this year's report.
EARLY = datetime.date(TODAY.year, 1, 2)


def make_episode(
    branch, *, inflow=None, member=None, last_contact_on=None, started_on=None, **extra
):
    member = member or MemberFactory(branch=branch)
    started_on = started_on or TODAY - datetime.timedelta(days=30)
    return Episode.objects.create(
        member=member,
        outflow_branch=branch,
        province=branch.province,
        reason="employment",
        destination_region="广东省深圳市",
        contact="13800000000",
        reported_on=started_on - datetime.timedelta(days=10),
        started_on=started_on,
        inflow_organization=inflow,
        inflow_basis="employer" if inflow else "",
        last_contact_on=last_contact_on or TODAY - datetime.timedelta(days=30),
        created_by=ActorFactory(),
        **extra,
    )


def member_user(member):
    user = UserFactory()
    member.user = user
    member.save(update_fields=["user"])
    RoleAssignmentFactory(user=user, role=Role.MEMBER, organization=member.branch)
    return user


def secretary(org):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.SECRETARY, organization=org)
    return user


@pytest.fixture
def world():
    a = province_tree("甲")
    b = province_tree("乙")
    return a, b


YEARLY = {
    "thoughts": "坚定理想信念",
    "work": "在深圳从事软件开发",
    "org_life": "参加流入地支部主题党日",
}


def test_member_submits_own_yearly_report_and_it_counts_as_contact(world):
    a, _ = world
    episode = make_episode(a["branch1"], last_contact_on=TODAY - datetime.timedelta(days=200))
    episode.lost_contact_since = episode.last_contact_on
    episode.save()
    user = member_user(episode.member)
    report = reports.member_report_submit(
        actor=user, episode=episode, kind="yearly", on=TODAY, **YEARLY
    )
    assert report.year == TODAY.year and report.submitted_by == user
    episode.refresh_from_db()
    assert episode.last_contact_on == TODAY
    assert episode.lost_contact_since is None  # a report clears lost contact


@pytest.mark.parametrize("empty", ["thoughts", "work", "org_life"])
def test_yearly_report_names_the_empty_part(world, empty):
    a, _ = world
    episode = make_episode(a["branch1"])
    with pytest.raises(ValidationError) as error:
        reports.member_report_submit(
            actor=secretary(a["branch1"]),
            episode=episode,
            kind="yearly",
            on=TODAY,
            **{**YEARLY, empty: "  "},
        )
    assert empty in error.value.message_dict
    assert not MemberReport.objects.exists()


def test_change_report_updates_the_episode(world):
    a, _ = world
    episode = make_episode(a["branch1"], destination_employer="旧公司")
    user = member_user(episode.member)
    reports.member_report_submit(
        actor=user,
        episode=episode,
        kind="change",
        on=TODAY,
        new_employer="新公司",
        new_contact="139",
    )
    episode.refresh_from_db()
    assert episode.destination_employer == "新公司"
    assert episode.contact == "139"
    assert episode.destination_address == ""  # unchanged


def test_change_report_needs_a_new_value(world):
    a, _ = world
    episode = make_episode(a["branch1"])
    with pytest.raises(ValidationError) as error:
        reports.member_report_submit(
            actor=secretary(a["branch1"]), episode=episode, kind="change", on=TODAY
        )
    assert "new_address" in error.value.message_dict


def test_report_cannot_be_dated_in_the_future(world):
    a, _ = world
    episode = make_episode(a["branch1"])
    with pytest.raises(ValidationError) as error:
        reports.member_report_submit(
            actor=secretary(a["branch1"]),
            episode=episode,
            kind="yearly",
            on=TODAY + datetime.timedelta(days=1),
            **YEARLY,
        )
    assert "on" in error.value.message_dict


def test_another_member_or_another_branch_cannot_report(world):
    a, b = world
    episode = make_episode(a["branch1"])
    other = member_user(MemberFactory(branch=a["branch1"]))
    for actor in (other, secretary(a["branch2"]), secretary(b["branch1"])):
        with pytest.raises((PermissionDenied, Http404)):
            reports.member_report_submit(
                actor=actor, episode=episode, kind="yearly", on=TODAY, **YEARLY
            )
    assert not MemberReport.objects.exists()


def test_missing_yearly_report_follows_the_policy(world):
    a, _ = world
    reported = make_episode(a["branch1"], started_on=EARLY)
    missing = make_episode(a["branch2"], started_on=EARLY)
    make_episode(a["branch2"])  # left after 30 June: owes no report for the year yet
    sec = secretary(a["township"])
    reports.member_report_submit(actor=sec, episode=reported, kind="yearly", on=TODAY, **YEARLY)
    ids = set(
        reports.missing_yearly_report(sec, a["township"], TODAY.year).values_list("pk", flat=True)
    )
    assert ids == {missing.pk}
    # A local override of a sub-branch asks two: one report is not enough there.
    PolicyOverrideFactory(organization=a["branch1"], key="mobile_reports_per_year", value=2)
    ids = set(
        reports.missing_yearly_report(sec, a["township"], TODAY.year).values_list("pk", flat=True)
    )
    assert ids == {missing.pk, reported.pk}


# --- pages ----------------------------------------------------------------------------


def test_member_portal_submits_own_report_and_404s_on_another_episode(client, world):
    a, _ = world
    episode = make_episode(a["branch1"])
    user = member_user(episode.member)
    other = make_episode(a["branch1"])
    client.force_login(user)
    page = client.get(reverse("mobility:my_reports"))
    assert page.status_code == 200
    response = client.post(
        reverse("mobility:report_create", args=[episode.pk]),
        {"kind": "yearly", "on": TODAY.isoformat(), **YEARLY},
    )
    assert response.status_code == 302
    assert MemberReport.objects.filter(episode=episode, submitted_by=user).count() == 1
    assert (
        client.post(
            reverse("mobility:report_create", args=[other.pk]),
            {"kind": "yearly", "on": TODAY.isoformat(), **YEARLY},
        ).status_code
        == 404
    )
    assert not MemberReport.objects.filter(episode=other).exists()
    # An empty part comes back on the form, named.
    bad = client.post(
        reverse("mobility:report_create", args=[episode.pk]),
        {"kind": "yearly", "on": TODAY.isoformat(), **{**YEARLY, "work": ""}},
    )
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()


def test_branch_reports_page_lists_who_is_missing_and_is_scoped(
    client, world, django_assert_max_num_queries
):
    a, b = world
    sec = secretary(a["branch1"])
    for i in range(15):
        episode = make_episode(
            a["branch1"], member=MemberFactory(branch=a["branch1"], name=f"流动{i}")
        )
        if i % 2:
            reports.member_report_submit(
                actor=sec, episode=episode, kind="yearly", on=TODAY, **YEARLY
            )
    client.force_login(sec)
    url = reverse("mobility:branch_reports", args=[a["branch1"].pk])
    client.get(url)  # warm the process caches (content types), as a running server has them
    with django_assert_max_num_queries(15):
        page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "流动0" in body and "流动1" in body
    assert client.get(reverse("mobility:branch_reports", args=[b["branch1"].pk])).status_code == 404
    assert client.get(reverse("mobility:branch_reports", args=[a["branch2"].pk])).status_code == 404


# --- the inflow side's opinion --------------------------------------------------------


def test_inflow_side_gives_opinion_on_a_probationary_member(world):
    a, b = world
    inflow = b["branch1"]
    episode = make_episode(a["branch1"], inflow=inflow)
    opinion = reports.inflow_opinion_give(
        actor=secretary(inflow),
        episode=episode,
        opinion="表现良好，同意按期转正",
        recommends_conversion=True,
        given_on=TODAY,
    )
    assert opinion.organization == inflow
    # The outflow branch sees it, on the member page too.
    outflow = secretary(a["branch1"])
    assert list(reports.opinions_for_member(outflow, episode.member)) == [opinion]


def test_only_the_inflow_side_gives_an_opinion(world):
    a, b = world
    episode = make_episode(a["branch1"], inflow=b["branch1"])
    for actor in (secretary(a["branch1"]), secretary(b["branch2"])):
        with pytest.raises((PermissionDenied, Http404)):
            reports.inflow_opinion_give(
                actor=actor,
                episode=episode,
                opinion="同意",
                recommends_conversion=True,
                given_on=TODAY,
            )
    assert not InflowOpinion.objects.exists()


def test_opinion_only_for_probationary_members(world):
    a, b = world
    full = MemberFactory(branch=a["branch1"], full=True)
    episode = make_episode(a["branch1"], inflow=b["branch1"], member=full)
    with pytest.raises(ValidationError) as error:
        reports.inflow_opinion_give(
            actor=secretary(b["branch1"]),
            episode=episode,
            opinion="同意",
            recommends_conversion=True,
            given_on=TODAY,
        )
    assert "episode" in error.value.message_dict


def test_opinion_needs_an_inflow_organisation_and_text(world):
    a, b = world
    no_inflow = make_episode(a["branch1"])
    with pytest.raises(ValidationError) as error:
        reports.inflow_opinion_give(
            actor=secretary(b["branch1"]),
            episode=no_inflow,
            opinion="同意",
            recommends_conversion=True,
            given_on=TODAY,
        )
    assert "episode" in error.value.message_dict
    episode = make_episode(a["branch2"], inflow=b["branch1"])
    with pytest.raises(ValidationError) as error:
        reports.inflow_opinion_give(
            actor=secretary(b["branch1"]),
            episode=episode,
            opinion=" ",
            recommends_conversion=True,
            given_on=TODAY,
        )
    assert "opinion" in error.value.message_dict


def test_opinion_page_for_the_inflow_side_only(client, world):
    a, b = world
    episode = make_episode(a["branch1"], inflow=b["branch1"])
    url = reverse("mobility:opinion", args=[episode.pk])
    client.force_login(secretary(a["branch2"]))
    assert client.get(url).status_code == 404
    # The outflow branch sees the episode but does not give the opinion: 403, as the API.
    outflow = secretary(a["branch1"])
    client.force_login(outflow)
    assert client.get(url).status_code == 403
    api = client.post(
        reverse("v1:inflow-opinion-list"),
        {"episode": episode.pk, "opinion": "好", "recommends_conversion": True, "given_on": TODAY},
        content_type="application/json",
    )
    assert api.status_code == 403
    client.force_login(secretary(b["branch1"]))
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"opinion": "表现良好", "recommends_conversion": "on", "given_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    assert InflowOpinion.objects.get().recommends_conversion is True
    # The outflow branch sees it on the member page.
    client.force_login(secretary(a["branch1"]))
    page = client.get(reverse("members:detail", args=[episode.member.pk]))
    assert "表现良好" in page.content.decode()


# --- API ------------------------------------------------------------------------------


def test_api_member_sees_and_creates_own_reports_only(client, world):
    a, _ = world
    episode = make_episode(a["branch1"])
    other = make_episode(a["branch1"])
    reports.member_report_submit(
        actor=secretary(a["branch1"]), episode=other, kind="yearly", on=TODAY, **YEARLY
    )
    user = member_user(episode.member)
    client.force_login(user)
    created = client.post(
        "/api/v1/mobile-reports/",
        {"episode": episode.pk, "kind": "yearly", "on": TODAY.isoformat(), **YEARLY},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    listed = client.get("/api/v1/mobile-reports/").json()
    assert [row["episode"] for row in listed["results"]] == [episode.pk]
    refused = client.post(
        "/api/v1/mobile-reports/",
        {"episode": other.pk, "kind": "yearly", "on": TODAY.isoformat(), **YEARLY},
        content_type="application/json",
    )
    assert refused.status_code in (400, 404)
    bad = client.post(
        "/api/v1/mobile-reports/",
        {
            "episode": episode.pk,
            "kind": "yearly",
            "on": TODAY.isoformat(),
            **{**YEARLY, "work": ""},
        },
        content_type="application/json",
    )
    assert bad.status_code == 400 and "work" in bad.json()


def test_api_inflow_opinion_scoped(client, world):
    a, b = world
    episode = make_episode(a["branch1"], inflow=b["branch1"])
    client.force_login(secretary(a["branch1"]))
    refused = client.post(
        "/api/v1/inflow-opinions/",
        {
            "episode": episode.pk,
            "opinion": "同意",
            "recommends_conversion": True,
            "given_on": TODAY.isoformat(),
        },
        content_type="application/json",
    )
    # It sees the episode, but the opinion is the inflow side's: 403 (as the page).
    assert refused.status_code == 403
    assert not InflowOpinion.objects.exists()
    client.force_login(secretary(b["branch1"]))
    created = client.post(
        "/api/v1/inflow-opinions/",
        {
            "episode": episode.pk,
            "opinion": "同意",
            "recommends_conversion": True,
            "given_on": TODAY.isoformat(),
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    client.force_login(secretary(a["branch2"]))
    assert client.get("/api/v1/inflow-opinions/").json()["results"] == []
    assert client.get(f"/api/v1/inflow-opinions/{created.json()['id']}/").status_code == 404


def test_demo_reports_are_idempotent(world):
    from mobility.demo_reports import ensure_reports

    a, _ = world
    for _ in range(3):
        make_episode(a["branch1"])
    make_episode(a["branch2"], last_contact_on=TODAY - datetime.timedelta(days=400))
    admin = UserFactory(is_superuser=True)
    first = ensure_reports(admin)
    assert first["yearly"] == 2 and first["changes"] == 1 and first["lost_contact"] == 1
    second = ensure_reports(admin)
    assert second["yearly"] == 0 and second["reports"] == first["reports"]


# --- change of destination, branch page -------------------------------------------------


def test_change_report_of_a_new_destination_region(client, world):
    a, _ = world
    episode = make_episode(a["branch1"])
    user = member_user(episode.member)
    report = reports.member_report_submit(
        actor=user, episode=episode, kind="change", on=TODAY, new_region=" 浙江省宁波市 "
    )
    episode.refresh_from_db()
    assert report.new_region == "浙江省宁波市" and episode.destination_region == "浙江省宁波市"
    assert episode.contact == "13800000000"  # unchanged
    # The member's portal: the form has the field and the list shows it.
    client.force_login(user)
    response = client.post(
        reverse("mobility:report_create", args=[episode.pk]),
        {"kind": "change", "on": TODAY.isoformat(), "new_region": "江苏省苏州市"},
    )
    assert response.status_code == 302
    episode.refresh_from_db()
    assert episode.destination_region == "江苏省苏州市"
    page = client.get(reverse("mobility:my_reports")).content.decode()
    assert 'name="new_region"' in page and "江苏省苏州市" in page
    # The API takes it too, for the branch entering it.
    client.force_login(secretary(a["branch1"]))
    created = client.post(
        reverse("v1:mobile-report-list"),
        {"episode": episode.pk, "kind": "change", "on": TODAY.isoformat(), "new_region": "上海市"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["new_region"] == "上海市"
    episode.refresh_from_db()
    assert episode.destination_region == "上海市"
    branch_page = client.get(reverse("mobility:branch_reports", args=[a["branch1"].pk]))
    assert "上海市" in branch_page.content.decode()


def test_branch_page_uses_each_branchs_policy_the_cutoff_and_pages(client, world):
    a, _ = world
    sec = secretary(a["township"])
    PolicyOverrideFactory(organization=a["branch2"], key="mobile_reports_per_year", value=2)
    one_of_one = make_episode(a["branch1"], started_on=EARLY)
    one_of_two = make_episode(a["branch2"], started_on=EARLY)
    for episode in (one_of_one, one_of_two):
        reports.member_report_submit(actor=sec, episode=episode, kind="yearly", on=TODAY, **YEARLY)
    recent = make_episode(a["branch1"])  # left after 30 June
    late = [make_episode(a["branch1"], started_on=EARLY) for _ in range(55)]
    client.force_login(sec)
    url = reverse("mobility:branch_reports", args=[a["township"].pk])
    response = client.get(url)
    assert response.status_code == 200
    missing = response.context["missing"]
    assert missing.paginator.count == 56  # 55 silent + one_of_two (1 of 2)
    reported = {e.pk for e in response.context["reported"]}
    assert reported == {one_of_one.pk}
    assert [e.pk for e in response.context["not_due"]] == [recent.pk]
    first = {e.pk for e in missing}
    assert len(first) == 50 and "missing_page=2" in response.content.decode()
    second = {e.pk for e in client.get(url, {"missing_page": 2}).context["missing"]}
    assert first | second == {e.pk for e in late} | {one_of_two.pk}
    assert recent.pk not in first | second
