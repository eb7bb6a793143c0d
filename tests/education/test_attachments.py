"""Photos and sign-in sheet scans of an activity: type read from the bytes,
size and count limits, all-or-nothing uploads, safe download headers, scope."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from branches.models import OrgKind, OrgLevel, Role
from config.pdf import html_to_pdf
from education import services
from education.models import Attachment
from tests.factories import (
    MemberFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    UserFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db

HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def png_bytes(size=(8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return html_to_pdf("<h1>签到表</h1><p>张三 李四</p>")


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    # The browser's content type is deliberately misleading: it must not matter.
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file())


@pytest.fixture
def world():
    root = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    a = province_tree("甲", parent=root)
    secretary = UserFactory(username="sec_a")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    other = UserFactory(username="sec_b")
    RoleAssignmentFactory(user=other, role=Role.SECRETARY, organization=a["branch2"])
    inspector = UserFactory(username="insp")
    RoleAssignmentFactory(user=inspector, role=Role.INSPECTOR, organization=a["county"])
    activity = services.activity_create(
        actor=secretary,
        organization=a["branch1"],
        kind="branch_assembly",
        title="支部党员大会",
        starts_at=datetime.datetime(2026, 3, 5, 19, tzinfo=datetime.UTC),
        hours=Decimal("2"),
    )
    return {
        "a": a,
        "secretary": secretary,
        "other": other,
        "inspector": inspector,
        "activity": activity,
    }


def add(world, name, content, kind="photo"):
    return services.attachment_add(
        actor=world["secretary"],
        activity=world["activity"],
        kind=kind,
        uploaded_file=upload(name, content),
    )


def test_a_real_png_and_pdf_are_kept_under_a_random_name(world, media, pdf_bytes):
    photo = add(world, "../../etc/会场照片.PNG", png_bytes())
    scan = add(world, "C:\\扫描\\签到表.pdf", pdf_bytes, kind="sign_in")
    assert photo.original_name == "会场照片.PNG"  # folder parts stripped
    assert scan.original_name == "签到表.pdf"
    assert (photo.content_type, photo.extension) == ("image/png", ".png")
    assert (scan.content_type, scan.extension) == ("application/pdf", ".pdf")
    assert len(photo.token) == 32 and photo.token != scan.token
    assert photo.file.name == f"education/{world['activity'].pk}/{photo.token}.png"
    assert stored_files(media) == sorted([f"{photo.token}.png", f"{scan.token}.pdf"])


@pytest.mark.parametrize("content", [HTML, EXE], ids=["html", "exe"])
def test_a_file_named_jpg_that_is_not_an_image_is_refused(world, media, content):
    with pytest.raises(ValidationError) as refused:
        add(world, "合影.jpg", content)
    assert "合影.jpg" in refused.value.message_dict["file"][0]
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_a_pdf_is_a_sign_in_scan_not_a_photo(world, pdf_bytes):
    with pytest.raises(ValidationError) as refused:
        add(world, "照片.pdf", pdf_bytes, kind="photo")
    assert "照片.pdf" in refused.value.message_dict["file"][0]
    assert add(world, "照片.pdf", pdf_bytes, kind="sign_in").content_type == "application/pdf"


def test_size_limit_comes_from_the_setting(world, settings, media):
    content = png_bytes((64, 64))
    settings.EDUCATION_ATTACHMENT_MAX_BYTES = len(content) - 1
    with pytest.raises(ValidationError) as refused:
        add(world, "大照片.png", content)
    assert "大照片.png" in refused.value.message_dict["file"][0]
    settings.EDUCATION_ATTACHMENT_MAX_BYTES = len(content)
    assert add(world, "大照片.png", content).size == len(content)


def test_an_empty_file_is_refused(world, media):
    with pytest.raises(ValidationError) as refused:
        add(world, "空.png", b"")
    assert "空.png" in refused.value.message_dict["file"][0]
    assert stored_files(media) == []


def test_at_most_thirty_files_per_activity(world):
    Attachment.objects.bulk_create(
        Attachment(
            activity=world["activity"],
            kind="photo",
            file=f"education/x/{i}.png",
            token=f"{i:032d}",
            extension=".png",
            original_name=f"{i}.png",
            content_type="image/png",
            size=10,
            uploaded_by=world["secretary"],
        )
        for i in range(services.MAX_ATTACHMENTS_PER_ACTIVITY)
    )
    with pytest.raises(ValidationError) as refused:
        add(world, "第31张.png", png_bytes())
    assert "第31张.png" in refused.value.message_dict["file"][0]
    assert world["activity"].attachments.count() == 30


def test_one_bad_file_among_several_saves_none(client, world, media, pdf_bytes):
    client.force_login(world["secretary"])
    response = client.post(
        reverse("education:attachment-upload", args=[world["activity"].pk]),
        {
            "kind": "sign_in",
            "file": [
                upload("签到表1.png", png_bytes()),
                upload("病毒.jpg", EXE),
                upload("签到表2.pdf", pdf_bytes),
            ],
        },
    )
    assert response.status_code == 200
    assert "病毒.jpg" in response.content.decode()
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_upload_from_the_page_then_download_with_safe_headers(client, world):
    client.force_login(world["secretary"])
    content = png_bytes()
    response = client.post(
        reverse("education:attachment-upload", args=[world["activity"].pk]),
        {"kind": "photo", "file": [upload('党员 合影".png', content, "text/html")]},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    download = client.get(reverse("education:attachment", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == content
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    disposition = download["Content-Disposition"]
    assert disposition.startswith("inline")
    assert "filename*=utf-8''" in disposition and '"' not in disposition.split("''", 1)[1]
    assert "default-src 'none'" in download["Content-Security-Policy"]
    assert "private" in download["Cache-Control"]
    page = client.get(reverse("education:detail", args=[world["activity"].pk])).content.decode()
    assert reverse("education:attachment", args=[attachment.pk]) in page
    assert "<img" in page


def test_a_pdf_is_downloaded_not_shown_in_the_page(client, world, pdf_bytes):
    scan = add(world, "签到表.pdf", pdf_bytes, kind="sign_in")
    client.force_login(world["secretary"])
    download = client.get(reverse("education:attachment", args=[scan.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == pdf_bytes


def test_delete_removes_the_file_after_commit(
    client, world, media, django_capture_on_commit_callbacks
):
    attachment = add(world, "照片.png", png_bytes())
    client.force_login(world["secretary"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("education:attachment-delete", args=[attachment.pk]))
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_another_branch_gets_404_on_page_file_upload_delete_and_api(client, world):
    attachment = add(world, "照片.png", png_bytes())
    activity = world["activity"]
    client.force_login(world["other"])
    assert client.get(reverse("education:detail", args=[activity.pk])).status_code == 404
    assert client.get(reverse("education:attachment", args=[attachment.pk])).status_code == 404
    assert (
        client.post(
            reverse("education:attachment-upload", args=[activity.pk]),
            {"kind": "photo", "file": [upload("x.png", png_bytes())]},
        ).status_code
        == 404
    )
    delete_url = reverse("education:attachment-delete", args=[attachment.pk])
    assert client.post(delete_url).status_code == 404
    assert client.get(f"/api/v1/activities/{activity.pk}/attachments/").status_code == 404
    assert client.get(f"/api/v1/attachments/{attachment.pk}/").status_code == 404
    assert client.delete(f"/api/v1/attachments/{attachment.pk}/").status_code == 404
    assert Attachment.objects.count() == 1


def test_an_inspector_sees_but_cannot_attach_or_delete(client, world):
    attachment = add(world, "照片.png", png_bytes())
    client.force_login(world["inspector"])
    page = client.get(reverse("education:detail", args=[world["activity"].pk]))
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' not in page.content.decode()
    assert client.get(reverse("education:attachment", args=[attachment.pk])).status_code == 200
    upload_url = reverse("education:attachment-upload", args=[world["activity"].pk])
    assert client.post(upload_url, {"kind": "photo"}).status_code == 403
    delete_url = reverse("education:attachment-delete", args=[attachment.pk])
    assert client.post(delete_url).status_code == 403
    assert client.delete(f"/api/v1/attachments/{attachment.pk}/").status_code == 403


def test_api_uploads_lists_and_deletes(client, world, media, pdf_bytes):
    client.force_login(world["secretary"])
    url = f"/api/v1/activities/{world['activity'].pk}/attachments/"
    created = client.post(
        url,
        {
            "kind": "sign_in",
            "files": [upload("签到.pdf", pdf_bytes), upload("签到.png", png_bytes())],
        },
    )
    assert created.status_code == 201, created.content
    assert [row["content_type"] for row in created.json()] == ["application/pdf", "image/png"]
    bad = client.post(url, {"kind": "photo", "files": [upload("假.jpg", HTML)]})
    assert bad.status_code == 400 and "假.jpg" in bad.json()["file"][0]
    listed = client.get(url).json()
    assert len(listed) == 2
    pk = listed[0]["id"]
    assert client.delete(f"/api/v1/attachments/{pk}/").status_code == 204
    assert Attachment.objects.count() == 1


def test_activity_page_shows_everything_in_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries
):
    activity = world["activity"]
    secretary = world["secretary"]
    members = [MemberFactory(branch=world["a"]["branch1"]) for _ in range(12)]
    services.attendance_save(
        actor=secretary,
        activity=activity,
        exceptions={
            members[0].pk: {"status": "excused", "reason": "病假"},
            members[1].pk: {"status": "absent"},
        },
    )
    for i in range(8):
        add(world, f"照片{i}.png", png_bytes())
    client.force_login(secretary)
    url = reverse("education:detail", args=[activity.pk])
    with django_assert_max_num_queries(12):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "照片7.png" in html
    assert reverse("education:attendance", args=[activity.pk]) in html
    # 10 present, 1 excused, 1 absent
    assert ">10</td>" in html and ">12</th>" in html
    listing = client.get(reverse("education:activities", args=[world["a"]["branch1"].pk]))
    assert url in listing.content.decode()
    attendance_page = client.get(reverse("education:attendance", args=[activity.pk]))
    assert url in attendance_page.content.decode()


def test_service_refuses_an_actor_without_change_rights(world):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    with pytest.raises(Http404):
        services.attachment_add(
            actor=world["other"],
            activity=world["activity"],
            kind="photo",
            uploaded_file=upload("x.png", png_bytes()),
        )
    with pytest.raises(PermissionDenied):
        services.attachment_add(
            actor=world["inspector"],
            activity=world["activity"],
            kind="photo",
            uploaded_file=upload("x.png", png_bytes()),
        )


def test_orphan_files_are_swept_but_not_young_ones_or_kept_ones(world, media):
    import datetime
    import os

    from django.utils import timezone

    from education import tasks

    kept = add(world, "照片.png", png_bytes())
    folder = media / "education" / str(world["activity"].pk)
    orphan = folder / "0123456789abcdef0123456789abcdef.png"
    young = folder / "fedcba9876543210fedcba9876543210.png"
    orphan.write_bytes(png_bytes())
    young.write_bytes(png_bytes())
    old = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(orphan, (old, old))
    os.utime(media / kept.file.name, (old, old))
    assert tasks.purge_orphan_attachment_files() == 1
    assert not orphan.exists() and young.exists() and (media / kept.file.name).exists()
    assert tasks.purge_orphan_attachment_files() == 0
