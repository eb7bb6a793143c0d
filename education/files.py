"""What an uploaded file really is, by its first bytes (never by its name or
the browser's content type), and which kinds of attachment accept it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import AttachmentKind


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str  # shown in messages
    image: bool


JPEG = FileType("image/jpeg", ".jpg", "JPEG", True)
PNG = FileType("image/png", ".png", "PNG", True)
WEBP = FileType("image/webp", ".webp", "WebP", True)
PDF = FileType("application/pdf", ".pdf", "PDF", False)

BY_CONTENT_TYPE = {t.content_type: t for t in (JPEG, PNG, WEBP, PDF)}

# Which types each kind of attachment takes.
ACCEPTED: dict[str, tuple[FileType, ...]] = {
    AttachmentKind.PHOTO: (JPEG, PNG, WEBP),
    AttachmentKind.SIGN_IN: (PDF, JPEG, PNG),
    AttachmentKind.DOCUMENT: (PDF, JPEG, PNG, WEBP),
}

HEAD_BYTES = 16


def sniff(head: bytes) -> FileType | None:
    """The type named by the file's magic bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def sniff_file(uploaded_file) -> FileType | None:
    uploaded_file.seek(0)
    head = uploaded_file.read(HEAD_BYTES)
    uploaded_file.seek(0)
    return sniff(head)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(name: str, limit: int = 200) -> str:
    """The original file name without any folder part or control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("", name).strip().lstrip(".")
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        ext = f".{ext}" if dot and len(ext) <= 8 else ""
        name = (stem if dot else name)[: limit - len(ext)] + ext
    return name or "attachment"


def download_name(original_name: str, extension: str) -> str:
    """The name offered on download: the original stem with the sniffed extension."""
    stem = clean_name(original_name).rsplit(".", 1)[0] or "attachment"
    stem = stem.replace('"', "").replace("\\", "")
    return f"{stem[:120]}{extension}"


def purge_orphans(*, older_than) -> int:
    """Delete files under education/ that no Attachment row names and that
    were last modified before `older_than`. Returns how many went."""
    from django.core.files.storage import default_storage

    from .models import Attachment

    removed = 0
    try:
        folders, _files = default_storage.listdir("education")
    except FileNotFoundError:
        return 0
    for folder in folders:
        _subfolders, names = default_storage.listdir(f"education/{folder}")
        if not names:
            continue
        known = set(
            Attachment.objects.filter(file__startswith=f"education/{folder}/").values_list(
                "file", flat=True
            )
        )
        for name in names:
            path = f"education/{folder}/{name}"
            if path in known or default_storage.get_modified_time(path) >= older_than:
                continue
            default_storage.delete(path)
            removed += 1
    return removed


def checked_upload(uploaded_file, *, field: str, types: tuple[FileType, ...]):
    """(clean name, size, sniffed type) of an upload, or a ValidationError on `field`
    naming the file: empty, larger than the attachment limit, or not one of `types`."""
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.template.defaultfilters import filesizeformat
    from django.utils.translation import gettext as _

    name = clean_name(getattr(uploaded_file, "name", ""))
    size = uploaded_file.size or 0
    if size <= 0:
        raise ValidationError({field: _("The file %(name)s is empty.") % {"name": name}})
    limit = settings.EDUCATION_ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            {
                field: _("The file %(name)s is %(size)s; at most %(max)s is allowed.")
                % {"name": name, "size": filesizeformat(size), "max": filesizeformat(limit)}
            }
        )
    found = sniff_file(uploaded_file)
    if found not in types:
        raise ValidationError(
            {
                field: _("The file %(name)s is not a %(types)s file.")
                % {"name": name, "types": " / ".join(t.label for t in types)}
            }
        )
    return name, size, found
