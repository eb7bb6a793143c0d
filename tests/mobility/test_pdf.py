"""The printed 《流动党员活动证》 and its public verification page (document 3, 三（一）)."""

import datetime
import subprocess
import uuid
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse
from django.utils import timezone

from branches.models import Role
from config.celery import app as celery_app
from members.models import DuesPayment
from mobility import certificate_pdf
from mobility.models import Certificate, CertificateEntry, CertificateReview, Episode
from mobility.tasks import render_certificate_pdf
from tests.factories import (
    ActorFactory,
    MemberFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
    valid_id_number,
)

ID_NUMBER = "110101198003150026"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def make_certificate(branch, inflow, *, name="王秀梅", code="K7QW2M9XTP", user=None, seq=0):
    actor = ActorFactory()
    member = MemberFactory(
        name=name,
        branch=branch,
        full=True,
        user=user,
        birth_date=datetime.date(1980, 3, 15),
        id_number=ID_NUMBER if seq == 0 else valid_id_number(seq, datetime.date(1980, 3, 15)),
        id_number_masked="110101********0026",
    )
    episode = Episode.objects.create(
        member=member,
        outflow_branch=branch,
        reason="employment",
        destination_region="广东省深圳市南山区",
        destination_employer="深圳市华强电子有限公司",
        destination_address="南山区科技园南路18号",
        contact="13800138000",
        reported_on=datetime.date(2026, 2, 20),
        started_on=datetime.date(2026, 3, 1),
        expected_return=datetime.date(2027, 3, 1),
        inflow_organization=inflow,
        inflow_basis="employer",
        last_contact_on=datetime.date(2026, 3, 10),
        created_by=actor,
    )
    stamped = timezone.make_aware(datetime.datetime(2026, 2, 25, 10))
    return Certificate.objects.create(
        episode=episode,
        member=member,
        number="LD2026-000123" if seq == 0 else f"LD2026-{seq:06d}",
        status="checked_in",
        requested_by=actor,
        stamped_by_org=branch.parent,
        stamped_by=actor,
        stamped_at=stamped,
        issued_by=actor,
        issued_at=stamped + datetime.timedelta(days=1),
        checked_in_org=inflow,
        checked_in_by=actor,
        checked_in_at=timezone.make_aware(datetime.datetime(2026, 3, 10, 9)),
        filed_with=inflow.parent,
        verification_code=code,
    )


@pytest.fixture
def world(db, media):
    a, b = province_tree("A"), province_tree("B")
    certificate = make_certificate(a["branch1"], b["branch1"], user=UserFactory())
    RoleAssignmentFactory(user=certificate.member.user, role=Role.MEMBER, organization=a["branch1"])
    return {"a": a, "b": b, "certificate": certificate}


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def pdf_fonts(path) -> str:
    return subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout


def test_pdf_prints_the_member_number_stamps_and_entries_in_chinese(world):
    certificate = world["certificate"]
    actor = certificate.requested_by
    CertificateReview.objects.create(
        certificate=certificate,
        year=2026,
        organization=world["a"]["branch1"],
        reviewed_on=datetime.date(2026, 12, 1),
        reviewed_by=actor,
    )
    dues = DuesPayment.objects.create(
        member=certificate.member,
        period_start=datetime.date(2026, 4, 1),
        months=1,
        amount=Decimal("12.50"),
        paid_on=datetime.date(2026, 4, 8),
        received_by=world["b"]["branch1"],
        recorded_by=actor,
    )
    CertificateEntry.objects.create(
        certificate=certificate,
        kind="dues",
        on=datetime.date(2026, 4, 8),
        organization=world["b"]["branch1"],
        dues=dues,
        recorded_by=actor,
    )
    CertificateEntry.objects.create(
        certificate=certificate,
        kind="org_life",
        on=datetime.date(2026, 4, 15),
        organization=world["b"]["branch1"],
        description="四月主题党日",
        recorded_by=actor,
    )

    assert certificate_pdf.render_certificate(certificate.pk) is True

    certificate.refresh_from_db()
    path = certificate.pdf.path
    text = pdf_text(path)
    compact = "".join(text.split())
    assert "王秀梅" in compact
    assert "LD2026-000123" in compact
    assert "姓名王秀梅" in compact  # labels in Chinese too
    assert "A镇" in compact and "2026-02-25" in compact  # the stamp as recorded
    assert "B支部1" in compact and "B镇" in compact  # checked in, filed with
    assert "四月主题党日" in compact and "12.50" in compact
    assert "K7QW2M9XTP" in compact  # the short code under the QR code
    assert ID_NUMBER not in compact, "the ID number is printed masked"
    assert "110101********0026" in compact
    assert "\ufffd" not in text and "□" not in text

    fonts = pdf_fonts(path)
    assert "CJK" in fonts
    font_rows = fonts.splitlines()[2:]
    assert font_rows and all(" yes " in row for row in font_rows), fonts  # all embedded
    assert "Type 3" not in fonts
    assert certificate.pdf.name.startswith("certificates/")
    assert "LD2026" not in certificate.pdf.name, "stored under a random name"


def test_rendering_again_without_change_does_nothing_and_a_change_renders(world, media):
    certificate = world["certificate"]
    assert certificate_pdf.render_certificate(certificate.pk) is True
    certificate.refresh_from_db()
    first_name, first_version = certificate.pdf.name, certificate.pdf_version

    assert certificate_pdf.render_certificate(certificate.pk) is False
    certificate.refresh_from_db()
    assert certificate.pdf.name == first_name

    CertificateReview.objects.create(
        certificate=certificate,
        year=2026,
        organization=world["a"]["branch1"],
        reviewed_on=datetime.date(2026, 12, 1),
        notes="表现良好",
        reviewed_by=certificate.requested_by,
    )
    assert certificate_pdf.render_certificate(certificate.pk) is True
    certificate.refresh_from_db()
    assert certificate.pdf_version != first_version
    assert certificate.pdf.name != first_name
    assert "表现良好" in "".join(pdf_text(certificate.pdf.path).split())
    files = list(media.rglob("*.pdf"))
    assert len(files) == 1, "the stale file is removed"


def test_version_changes_with_the_member_data_and_status(world):
    certificate = world["certificate"]
    version = certificate_pdf.certificate_version(certificate)
    assert certificate_pdf.certificate_version(certificate) == version
    certificate.member.name = "王秀兰"
    certificate.member.save()
    certificate = Certificate.objects.get(pk=certificate.pk)
    renamed = certificate_pdf.certificate_version(certificate)
    assert renamed != version
    Certificate.objects.filter(pk=certificate.pk).update(status="returned")
    certificate = Certificate.objects.get(pk=certificate.pk)
    assert certificate_pdf.certificate_version(certificate) != renamed


def test_download_is_for_the_branches_and_the_member_only(world, client):
    certificate = world["certificate"]
    url = reverse("mobility:certificate_pdf", args=[certificate.pk])

    other = RoleAssignmentFactory(role=Role.SECRETARY, organization=world["a"]["branch2"]).user
    client.force_login(other)
    assert client.get(url).status_code == 404

    client.force_login(certificate.member.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    certificate.refresh_from_db()
    assert certificate.pdf_version == certificate_pdf.certificate_version(certificate)

    # The inflow side sees it too (the certificate is checked in there).
    inflow = RoleAssignmentFactory(role=Role.SECRETARY, organization=world["b"]["branch1"]).user
    client.force_login(inflow)
    assert client.get(url).status_code == 200


def test_member_page_lists_own_certificate_with_pdf_link(
    world, client, django_assert_max_num_queries
):
    certificate = world["certificate"]
    other_member = make_certificate(
        world["a"]["branch2"], world["b"]["branch2"], name="李建国", code="ZZZZ2222ZZ", seq=7
    )
    client.force_login(certificate.member.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("mobility:mine"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "LD2026-000123" in page
    assert reverse("mobility:certificate_pdf", args=[certificate.pk]) in page
    assert reverse("mobility:certificate_pdf", args=[other_member.pk]) not in page
    assert "广东省深圳市南山区" in page

    mine = client.get(reverse("members:mine")).content.decode()
    assert reverse("mobility:mine") in mine


def test_member_page_lists_the_entries_on_own_certificate_only(world, client):
    certificate = world["certificate"]
    other = make_certificate(
        world["a"]["branch2"], world["b"]["branch2"], name="李建国", code="ZZZZ3333ZZ", seq=8
    )
    for cert, text in ((certificate, "九月主题党日"), (other, "别人的党日")):
        CertificateEntry.objects.create(
            certificate=cert,
            kind="org_life",
            on=datetime.date(2026, 9, 10),
            organization=cert.checked_in_org or world["b"]["branch1"],
            description=text,
            recorded_by=cert.requested_by,
        )
    client.force_login(certificate.member.user)
    page = client.get(reverse("mobility:mine")).content.decode()
    assert "九月主题党日" in page and "2026年9月10日" in page
    assert "别人的党日" not in page
    # Through the scoping entry point, too.
    user = certificate.member.user
    assert list(
        CertificateEntry.objects.visible_to(user).values_list("description", flat=True)
    ) == ["九月主题党日"]


def test_verification_page_shows_validity_and_nothing_private(world, client):
    response = client.get(reverse("verify_certificate", args=["K7QW2M9XTP"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-verdict="valid"' in page
    assert "王*梅" in page and "王秀梅" not in page
    assert "LD2026-000123" in page
    assert "A支部1" in page
    assert "2026-02-26" in page
    for private in (ID_NUMBER, "110101", "1980", "南山区科技园", "13800138000", "深圳市华强"):
        assert private not in page, private


def test_a_returned_certificate_is_shown_as_not_valid(world, client):
    Certificate.objects.filter(pk=world["certificate"].pk).update(status="returned")
    page = client.get(reverse("verify_certificate", args=["K7QW2M9XTP"])).content.decode()
    assert 'data-verdict="invalid"' in page


def test_unknown_code_is_404_and_lookups_are_rate_limited(world, client):
    assert client.get(reverse("verify_certificate", args=["NOSUCHCODE"])).status_code == 404
    url = reverse("verify_certificate", args=["K7QW2M9XTP"])
    statuses = [client.get(url).status_code for _ in range(29)]
    assert set(statuses) == {200}
    assert client.get(url).status_code == 429
    other_ip = client.get(url, REMOTE_ADDR="10.1.2.3")
    assert other_ip.status_code == 200


def test_mask_name():
    assert certificate_pdf.mask_name("张三梅") == "张*梅"
    assert certificate_pdf.mask_name("欧阳建国") == "欧**国"
    assert certificate_pdf.mask_name("张三") == "张*"


@pytest.mark.django_db(transaction=True)
def test_render_task_runs_in_a_real_worker_and_is_idempotent(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a, b = province_tree("A"), province_tree("B")
    certificate = make_certificate(a["branch1"], b["branch1"])
    queue = f"test-{uuid.uuid4().hex}"
    with start_worker(celery_app, perform_ping_check=False, queues=[queue], shutdown_timeout=10):
        first = render_certificate_pdf.apply_async((certificate.pk,), queue=queue).get(timeout=60)
        again = render_certificate_pdf.apply_async((certificate.pk,), queue=queue).get(timeout=60)
    assert (first, again) == (True, False)
    certificate.refresh_from_db()
    assert "王秀梅" in "".join(pdf_text(certificate.pdf.path).split())
