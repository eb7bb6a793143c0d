"""Walk every registered URL with ids of objects the user may not see.

Each app's pages and endpoints are covered as soon as they are registered:
for every URL pattern with parameters, each parameter is filled with the id
of an object that lies outside the user's reach (another branch of the same
county, another county, another province, a revoked grant). Every answer must
be 404 or 403 (405 where the method is not served), for GET and POST alike.
The same URL with an in-scope id must not be 404, so the walk cannot pass by
accident on a broken URL. Each table has its own id range, so an id names its
model: a URL is walked with the out-of-reach ids of the models whose in-reach
objects it finds (a POST-only URL with those of every model).
"""

import datetime
import secrets

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from branches import services
from branches.models import GuidanceEdge, Organization, OrgKind, OrgLevel, Role
from branches.scoping import ScopedQuerySet
from education.models import (
    Activity,
    Attachment,
    Attendance,
    EducationBase,
    Teacher,
    Textbook,
)
from members.models import DuesPayment, ImportJob, Member, MemberFlag, Transfer
from tests.factories import (
    GuidanceEdgeFactory,
    MemberFactory,
    OrganizationFactory,
    PolicyOverrideFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

ID_RANGE = 1_000_000  # spread_id_ranges: the id of an object names its model
SKIP_NAMESPACES = {"admin"}  # the admin is for superusers only; it redirects to its login
# Public pages keyed by a random code, not an id (tests/mobility/test_pdf.py).
# The public commitment board is keyed by a signed token (tests/outreach).
# A record's history is keyed by "app.model" and the record's id, through that
# model's visible_to (tests/branches/test_history.py).
SKIP_NAMES = {"verify_certificate", "outreach:board", "record_history"}


def iter_patterns(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            if ns in SKIP_NAMESPACES:
                continue
            full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from iter_patterns(entry.url_patterns, full)
        elif isinstance(entry, URLPattern) and entry.name:
            params = [p for p in entry.pattern.regex.groupindex if p != "format"]
            if params and "format" not in entry.pattern.regex.groupindex:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                if name not in SKIP_NAMES:
                    yield name, params


def scoped_models():
    return [m for m in apps.get_models() if isinstance(m._default_manager.all(), ScopedQuerySet)]


def spread_id_ranges():
    """Give each scoped table its own id range, so an id names one object only."""
    with connection.cursor() as cursor:
        for k, model in enumerate(scoped_models(), 1):
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [model._meta.db_table, k * ID_RANGE],
            )


def add_registries_and_attachment(org, activity, user):
    """A teacher, base and textbook kept by `org`, and a photo of `activity`."""
    Teacher.objects.create(organization=org, name="教师", category="expert")
    EducationBase.objects.create(organization=org, name="教育基地")
    Textbook.objects.create(organization=org, title="教材")
    token = secrets.token_hex(16)
    attachment = Attachment(
        activity=activity,
        kind="photo",
        token=token,
        extension=".png",
        original_name="照片.png",
        content_type="image/png",
        size=8,
        uploaded_by=user,
    )
    attachment.file.save(f"{token}.png", ContentFile(b"\x89PNG\r\n\x1a\n"), save=False)
    attachment.save()


def add_self_study_and_closures(a, b, own_activity, user):
    """Self-study records and plans of members in a["branch2"], b["branch1"]
    (outside) and a["branch1"] (inside); a closed year of province b with a
    late correction, and a guest of another branch at the own activity."""
    from education.models import LateCorrection, SelfStudy, StudyPlan, YearClosure

    for org in (a["branch2"], b["branch1"], a["branch1"]):
        member = Member.objects.filter(branch=org).first() or MemberFactory(branch=org)
        SelfStudy.objects.create(
            member=member, on=datetime.date(2026, 3, 1), hours=1, material="党章", recorded_by=user
        )
        StudyPlan.objects.create(member=member, year=2026, content="学习计划", updated_by=user)
    YearClosure.objects.create(organization=b["province"], year=2025)
    outside_activity = Activity.objects.filter(organization=b["branch1"]).first()
    LateCorrection.objects.create(activity=outside_activity, year=2025, reason="补录", actor=user)
    Attendance.objects.create(
        activity=own_activity,
        member=Member.objects.filter(branch=a["branch2"]).first(),
        status="present",
        credited_hours=2,
        recorded_by=user,
    )


def add_campaigns(a, b, user):
    """Party-spirit schedules of both counties (outside the branch secretary's
    reach) and a campaign with a step and an evaluation in a["branch2"],
    b["branch1"] (outside) and a["branch1"] (inside)."""
    from education.models import Campaign, CampaignStepRecord, Evaluation, PartySpiritSchedule

    for tree, branches in ((a, (a["branch2"], a["branch1"])), (b, (b["branch1"],))):
        schedule = PartySpiritSchedule.objects.create(
            committee=tree["county"], year=2026, scheduled_by=user
        )
        for org in branches:
            campaign = Campaign.objects.create(
                kind="party_spirit", organization=org, year=2026, schedule=schedule
            )
            CampaignStepRecord.objects.create(
                campaign=campaign,
                step="mobilisation",
                done_on=datetime.date(2026, 3, 1),
                done_by=user,
            )
            Evaluation.objects.create(
                campaign=campaign,
                member=Member.objects.filter(branch=org).first(),
                rating="qualified",
                recorded_by=user,
            )


def add_party_workers(a, b, user):
    """A post, a party-school training and a reminder in a["branch2"],
    b["branch1"] (outside) and a["branch1"] (inside)."""
    from branches.models import Reminder
    from education.models import PartySchoolTraining, PartyWorker

    for org in (a["branch2"], b["branch1"], a["branch1"]):
        member = Member.objects.filter(branch=org).first()
        PartyWorker.objects.create(
            member=member, organization=org, post="secretary", since=datetime.date(2020, 1, 1)
        )
        PartySchoolTraining.objects.create(
            member=member,
            school="中共县委党校",
            level="county",
            starts_on=datetime.date(2024, 5, 6),
            ends_on=datetime.date(2024, 5, 10),
            recorded_by=user,
        )
        Reminder.objects.create(
            organization=org,
            member=member,
            kind="party_school_due",
            due_on=datetime.date(2027, 5, 10),
            key=f"walk:{org.pk}",
        )


def add_mobile_reports(a, b, user):
    """Mobile members' reports and inflow opinions: episodes from a["branch2"]
    into b["branch1"] (outside) and from b["branch2"] into a["branch1"] and
    a["branch1"] itself (inside)."""
    from mobility.models import Episode, InflowOpinion, MemberReport

    day = datetime.date(2026, 3, 1)
    for outflow, inflow in (
        (a["branch2"], b["branch1"]),
        (b["branch2"], a["branch1"]),
        (a["branch1"], None),
    ):
        episode = Episode.objects.create(
            member=MemberFactory(branch=outflow),
            outflow_branch=outflow,
            province=outflow.province,
            reason="employment",
            destination_region="广东省深圳市",
            contact="13800000000",
            reported_on=day,
            started_on=day,
            inflow_organization=inflow,
            inflow_basis="employer" if inflow else "",
            last_contact_on=day,
            lost_contact_since=day,
            created_by=user,
        )
        MemberReport.objects.create(
            episode=episode, kind="change", year=2026, on=day, new_contact="139", submitted_by=user
        )
        if inflow is not None:
            InflowOpinion.objects.create(
                episode=episode,
                organization=inflow,
                opinion="同意",
                recommends_conversion=True,
                given_on=day,
                given_by=user,
            )


def add_certificates(user):
    """A certificate with a review and an entry on every episode of
    add_mobile_reports: outside (a["branch2"] → b["branch1"]), inside
    (b["branch2"] → a["branch1"], a["branch1"])."""
    from mobility.models import Certificate, CertificateEntry, CertificateReview, Episode

    day = datetime.date(2026, 3, 1)
    for i, episode in enumerate(Episode.objects.order_by("pk")):
        inflow = episode.inflow_organization
        certificate = Certificate.objects.create(
            episode=episode,
            member=episode.member,
            number=f"WALK-2026-{i:06d}",
            status="checked_in" if inflow else "issued",
            requested_by=user,
            checked_in_org=inflow,
            verification_code=secrets.token_urlsafe(8)[:10],
        )
        CertificateReview.objects.create(
            certificate=certificate,
            year=2026,
            organization=episode.outflow_branch,
            reviewed_on=day,
            reviewed_by=user,
        )
        CertificateEntry.objects.create(
            certificate=certificate,
            kind="org_life",
            on=day,
            organization=inflow or episode.outflow_branch,
            description="主题党日",
            recorded_by=user,
        )


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # attachments are real files
    spread_id_ranges()
    root = OrganizationFactory(name="中央", kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    b = province_tree("乙", parent=root)
    other_county = OrganizationFactory(
        name="甲另县", parent=a["city"], kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    other_county_branch = OrganizationFactory(name="甲另县支部", parent=other_county)
    secretary = UserFactory(username="walker")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    outside = [a["branch2"], other_county, other_county_branch, b["branch1"], b["province"]]
    for org in outside:
        RoleAssignmentFactory(organization=org, role=Role.SECRETARY)
        PolicyOverrideFactory(organization=org, key="leader_lectures_per_year", value=2)
        if org != b["province"]:
            GuidanceEdgeFactory(guide=b["province"], guided=org)
    # A grant that was given and then revoked leaves nothing behind.
    revoked = b["branch2"]
    services.grant_object_permission(actor=None, user=secretary, obj=revoked, action="view")
    services.revoke_object_permission(actor=None, user=secretary, obj=revoked, action="view")
    outside.append(revoked)
    # Member records outside: a member, a transfer between two outside
    # branches, dues, a flag, an ID reveal.
    for org in (a["branch2"], other_county_branch, b["branch1"]):
        member = MemberFactory(branch=org)
        DuesPayment.objects.create(
            member=member,
            period_start=datetime.date(2026, 1, 1),
            amount="10.00",
            paid_on=datetime.date(2026, 1, 5),
            received_by=org,
            recorded_by=secretary,
        )
        MemberFlag.objects.create(
            member=member, kind="hardship", set_on=datetime.date(2026, 1, 1), set_by=secretary
        )
    for org in (a["branch2"], b["branch1"]):
        ImportJob.objects.create(
            branch=org, file="member-imports/x.xlsx", original_name="x.xlsx", created_by=secretary
        )
    for org in (a["branch2"], b["branch1"]):
        outside_activity = Activity.objects.create(
            organization=org,
            kind="lecture",
            title="外部党课",
            starts_at=datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC),
            hours=2,
            created_by=secretary,
        )
        Attendance.objects.create(
            activity=outside_activity,
            member=Member.objects.filter(branch=org).first(),
            status="present",
            credited_hours=2,
            recorded_by=secretary,
        )
        add_registries_and_attachment(org, outside_activity, secretary)
    outside_member = Member.objects.get(branch=b["branch1"])
    Transfer.objects.create(
        member=outside_member,
        from_branch=b["branch1"],
        to_branch=b["branch2"],
        requested_by=secretary,
        due_by=datetime.date(2026, 12, 31),
    )
    # In-scope objects of every kind, to prove each URL works at all.
    PolicyOverrideFactory(organization=a["branch1"], key="leader_lectures_per_year", value=2)
    GuidanceEdgeFactory(guide=b["province"], guided=a["branch1"])
    own = MemberFactory(branch=a["branch1"])
    own_activity = Activity.objects.create(
        organization=a["branch1"],
        kind="lecture",
        title="本支部党课",
        starts_at=datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC),
        hours=2,
        created_by=secretary,
    )
    add_registries_and_attachment(a["branch1"], own_activity, secretary)
    add_campaigns(a, b, secretary)
    add_self_study_and_closures(a, b, own_activity, secretary)
    ImportJob.objects.create(
        branch=a["branch1"],
        file="member-imports/y.xlsx",
        original_name="y.xlsx",
        created_by=secretary,
    )
    DuesPayment.objects.create(
        member=own,
        period_start=datetime.date(2026, 1, 1),
        amount="10.00",
        paid_on=datetime.date(2026, 1, 5),
        received_by=a["branch1"],
        recorded_by=secretary,
    )
    Transfer.objects.create(
        member=own,
        from_branch=a["branch1"],
        to_branch=b["branch1"],
        requested_by=secretary,
        due_by=datetime.date(2026, 12, 31),
    )
    add_party_workers(a, b, secretary)
    add_mobile_reports(a, b, secretary)
    add_certificates(secretary)
    add_year_reports(a, b)
    add_outreach(a, b, secretary)
    return {"a": a, "b": b, "secretary": secretary, "outside": outside}


def add_outreach(a, b, user):
    """Serving the masses (outreach/): each area puts objects outside and inside."""
    from tests.outreach.walk_care import add_care
    from tests.outreach.walk_cases import add_cases
    from tests.outreach.walk_commitments import add_commitments
    from tests.outreach.walk_research import add_research

    for add in (add_commitments, add_care, add_research, add_cases):
        add(a, b, user)
    add_accountability_areas(a, b, user)
    from tests.reports.walk import add_year_end_reports

    add_year_end_reports(a, b, user)


def add_accountability_areas(a, b, user):
    """Accountability (document 4): rectification orders, weak units, and each sub-app."""
    from tests.accountability.assessments.walk import add_assessments
    from tests.accountability.inspections.walk import add_inspections
    from tests.accountability.responsibility.walk import add_responsibility
    from tests.accountability.walk import add_accountability
    from tests.accountability.written_reports.walk import add_written_reports

    for add in (
        add_accountability,
        add_assessments,
        add_responsibility,
        add_written_reports,
        add_inspections,
    ):
        add(a, b, user)


def add_year_reports(a, b):
    """Year-end mobility reports (mobility/year_report.py): two outside, one in reach."""
    from mobility.models import MobilityYearReport

    for org in (a["branch2"], b["branch1"], a["branch1"]):
        MobilityYearReport.objects.create(organization=org, year=2025, status="submitted")


def foreign_ids(user):
    """For each scoped model, ids of objects outside the user's reach."""
    ids = set()
    for model in scoped_models():
        visible = model._default_manager.visible_to(user).values("pk")
        ids.update(model._default_manager.exclude(pk__in=visible).values_list("pk", flat=True))
    return sorted(ids)


def own_ids(user):
    ids = set()
    for model in scoped_models():
        ids.update(model._default_manager.visible_to(user).values_list("pk", flat=True))
    return sorted(ids)


def test_the_walk_covers_the_apps_urls(world):
    names = {name for name, _ in iter_patterns()}
    assert {"branches:detail", "branches:children", "branches:roles", "branches:move"} <= names
    assert any(name.startswith("v1:organization-") for name in names)
    assert any(name.startswith("v1:role-assignment-") for name in names)


EVERY_MODEL = "every model"


def url_targets(client, user):
    """For each URL, the scoped models it looks up: those of which an object in
    reach gets an answer other than 404. POST-only URLs (405 to GET) are
    walked with every model."""
    own = own_ids(user)
    targets = {}
    for name, params in iter_patterns():
        cache.clear()  # the API's request throttle counts in the cache
        found = set()
        for pk in own:
            if pk // ID_RANGE in found:
                continue
            status = client.get(reverse(name, kwargs=dict.fromkeys(params, pk))).status_code
            if status == 405:
                found = EVERY_MODEL
                break
            if status != 404:
                found.add(pk // ID_RANGE)
        targets[name] = found
    return targets


def test_no_url_answers_with_an_object_out_of_reach(client, world):
    """Every URL, GET and POST, with the ids of objects out of reach of the
    models it looks up. It is guarded: a URL that answers 404 to every object
    in reach (broken for everyone) would pass the walk, so it fails here."""
    user = world["secretary"]
    client.force_login(user)
    outside = foreign_ids(user)
    assert len(outside) >= 15, "the walk needs objects of every kind outside the reach"
    targets = url_targets(client, user)
    not_found = sorted(name for name, found in targets.items() if not found)
    # Pages that need more than view rights answer 403 for a secretary, never 404 only.
    assert not not_found, f"URLs that find nothing in reach: {not_found}"
    failures = []
    for name, params in iter_patterns():
        cache.clear()
        found = targets[name]
        methods = ("post",) if found == EVERY_MODEL else ("get", "post")
        for pk in outside:
            if found != EVERY_MODEL and pk // ID_RANGE not in found:
                continue
            url = reverse(name, kwargs=dict.fromkeys(params, pk))
            for method in methods:
                status = getattr(client, method)(url).status_code
                if status not in (403, 404, 405):
                    failures.append(f"{method.upper()} {url} ({name}) → {status}")
    assert not failures, "\n".join(failures)


def test_lists_never_contain_an_outside_row(client, world):
    user = world["secretary"]
    client.force_login(user)
    visible_orgs = set(Organization.objects.visible_to(user).values_list("pk", flat=True))
    for url in ("/api/v1/organizations/", "/api/v1/role-assignments/"):
        rows = client.get(url, {"page_size": 1000}).json()["results"]
        assert rows
        for row in rows:
            org_id = row.get("organization", row["id"])
            assert org_id in visible_orgs, f"{url}: {row}"
    assert GuidanceEdge.objects.visible_to(user).count() == 1
