"""Demo registries (teachers, education bases, textbooks) of 浙江 and of
杭州 / 西湖区, linked to the demo activities of 西湖区, and a few real
attachments: a photo (PNG) and a sign-in sheet (PDF).

Idempotent: entries are found by their unique keys; activities that already
have a teacher, base or attachment are left alone."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.html import escape

from branches.models import Organization, User

from . import selectors, services
from .models import Activity, ActivityKind, Attachment, EducationBase, Teacher, Textbook

# (organisation code, name, category, unit, subjects)
TEACHERS = [
    ("ZJ", "沈文华", "party_school", "中共浙江省委党校", "党章党规、党的创新理论"),
    ("ZJ", "周建明", "party_school", "中共浙江省委党校", "红船精神与浙江精神"),
    ("ZJ", "钱立新", "expert", "浙江大学马克思主义学院", "中国共产党历史"),
    ("ZJ", "吴海燕", "model", "全国优秀共产党员", "基层治理与为民服务"),
    ("ZJ-HZ", "陆晓峰", "party_school", "中共杭州市委党校", "习近平新时代中国特色社会主义思想"),
    ("ZJ-HZ", "何志刚", "scientist", "之江实验室", "科技创新与数字经济"),
    ("ZJ-HZ-XH", "朱国平", "leader", "中共杭州市西湖区委组织部", "党的组织建设"),
    ("ZJ-HZ-XH", "孙梅", "model", "西湖区优秀社区党组织书记", "社区党建与志愿服务"),
]

# (organisation code, name, address, theme)
BASES = [
    ("ZJ", "南湖革命纪念馆（红船精神教育基地）", "嘉兴市南湖区南湖景区", "红船精神"),
    ("ZJ", "浙江革命烈士纪念馆", "杭州市西湖区北山街道", "革命传统教育"),
    ("ZJ-HZ", "杭州市党员教育实践基地（良渚）", "杭州市余杭区良渚街道", "文化自信"),
    ("ZJ-HZ-XH", "西湖区龙井村党群服务中心", "杭州市西湖区西湖街道龙井村", "绿水青山就是金山银山"),
]

# (organisation code, title, publisher, year)
TEXTBOOKS = [
    ("ZJ", "中国共产党章程", "人民出版社", 2022),
    ("ZJ", "习近平新时代中国特色社会主义思想学习纲要（2023年版）", "学习出版社、人民出版社", 2023),
    ("ZJ", "中国共产党纪律处分条例", "人民出版社", 2024),
    ("ZJ-HZ", "之江新语", "浙江人民出版社", 2007),
    ("ZJ-HZ-XH", "西湖区党员冬训读本", "", None),
]


def _orgs(codes) -> dict[str, Organization]:
    return {o.code: o for o in Organization.objects.filter(code__in=set(codes))}


def _ensure_entries(actor: User) -> int:
    created = 0
    orgs = _orgs(code for code, *_ in TEACHERS + BASES + TEXTBOOKS)
    for code, name, category, unit, subjects in TEACHERS:
        org = orgs.get(code)
        if org and not Teacher.objects.filter(organization=org, name=name, unit=unit).exists():
            services.teacher_save(
                actor=actor,
                organization=org,
                name=name,
                category=category,
                unit=unit,
                specialty=subjects,
            )
            created += 1
    for code, name, address, theme in BASES:
        org = orgs.get(code)
        if org and not EducationBase.objects.filter(organization=org, name=name).exists():
            services.education_base_save(
                actor=actor, organization=org, name=name, address=address, theme=theme
            )
            created += 1
    for code, title, publisher, year in TEXTBOOKS:
        org = orgs.get(code)
        if org and not Textbook.objects.filter(organization=org, title=title).exists():
            services.textbook_save(
                actor=actor,
                organization=org,
                title=title,
                publisher=publisher,
                published_year=year,
            )
            created += 1
    return created


def _link_activities() -> int:
    """Give the 西湖区 demo lectures a teacher and the trainings a base and a
    textbook, from the registries each branch may use."""
    linked = 0
    activities = (
        Activity.objects.filter(
            organization__code__startswith="ZJ-HZ-XH-",
            kind__in=[ActivityKind.LECTURE, ActivityKind.TRAINING, ActivityKind.BRANCH_ASSEMBLY],
            teacher__isnull=True,
            base__isnull=True,
            textbook__isnull=True,
        )
        .select_related("organization")
        .order_by("organization__code", "starts_at")
    )
    choices: dict[int, dict] = {}
    for i, activity in enumerate(activities):
        branch = activity.organization
        if branch.pk not in choices:
            choices[branch.pk] = {k: list(v) for k, v in selectors.registry_choices(branch).items()}
        pick = choices[branch.pk]
        if not (pick["teacher"] and pick["base"] and pick["textbook"]):
            continue
        changes = {"textbook": pick["textbook"][i % len(pick["textbook"])]}
        if activity.kind == ActivityKind.LECTURE:
            changes["teacher"] = pick["teacher"][i % len(pick["teacher"])]
        elif activity.kind == ActivityKind.TRAINING:
            changes["base"] = pick["base"][i % len(pick["base"])]
            changes["teacher"] = pick["teacher"][(i + 1) % len(pick["teacher"])]
        Activity.objects.filter(pk=activity.pk).update(**changes)
        linked += 1
    return linked


def _photo_png() -> bytes:
    """A small real PNG: Pillow when installed, else a fixed 1×1 image."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:  # pragma: no cover - Pillow comes with WeasyPrint
        return bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
            "0000000c49444154789c63d8a4a40400028000f7406fc66d0000000049454e44ae426082"
        )
    image = Image.new("RGB", (480, 320), (236, 228, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 480, 60), fill=(178, 34, 34))  # the banner
    draw.rectangle((40, 110, 440, 150), fill=(120, 90, 60))  # the table
    for k in range(8):  # the members
        x = 50 + k * 50
        draw.ellipse((x, 170, x + 30, 200), fill=(60, 50, 45))
        draw.rectangle((x - 5, 200, x + 35, 280), fill=(40, 60, 110))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _sign_in_pdf(activity: Activity) -> bytes:
    from config.pdf import html_to_pdf

    names = list(
        activity.attendances.select_related("member")
        .order_by("member__name")
        .values_list("member__name", flat=True)
    )
    rows = "".join(
        f"<tr><td>{n}</td><td>{escape(name)}</td><td></td></tr>" for n, name in enumerate(names, 1)
    )
    day = timezone.localtime(activity.starts_at)
    html = (
        f"<h2 style='text-align:center'>{escape(activity.organization.name)} 签到表</h2>"
        f"<p>活动：{escape(activity.title)}　时间：{day:%Y-%m-%d %H:%M}　"
        f"地点：{escape(activity.place or '党员活动室')}</p>"
        "<table border='1' cellspacing='0' cellpadding='4' style='width:100%'>"
        f"<tr><th>序号</th><th>姓名</th><th>签名</th></tr>{rows}</table>"
    )
    return html_to_pdf(html)


def _attach_files(actor: User, limit: int = 3) -> int:
    if Attachment.objects.filter(activity__organization__code__startswith="ZJ-HZ-XH-").exists():
        return 0
    activities = (
        Activity.objects.filter(
            organization__code__startswith="ZJ-HZ-XH-",
            kind__in=[ActivityKind.BRANCH_ASSEMBLY, ActivityKind.LECTURE],
        )
        .select_related("organization")
        .order_by("organization__code", "-starts_at")[:limit]
    )
    added = 0
    photo = _photo_png()
    for activity in activities:
        day = timezone.localtime(activity.starts_at)
        services.attachments_add(
            actor=actor,
            activity=activity,
            kind="photo",
            uploaded_files=[ContentFile(photo, name=f"{day:%Y%m%d}_活动照片.png")],
        )
        services.attachments_add(
            actor=actor,
            activity=activity,
            kind="sign_in",
            uploaded_files=[ContentFile(_sign_in_pdf(activity), name=f"{day:%Y%m%d}_签到表.pdf")],
        )
        added += 2
    return added


def ensure_registries(actor: User | None = None) -> int:
    """Registries, links and attachments of the demo; returns what was new."""
    actor = actor or User.objects.get(username="admin")
    if not Organization.objects.filter(code="ZJ").exists():
        return 0
    return _ensure_entries(actor) + _link_activities() + _attach_files(actor)
