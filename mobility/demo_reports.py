"""Demo members' reports: yearly reports for some demo episodes away, one
change report, then lost-contact detection for today.

Idempotent: once there are reports this year, none are added."""

from __future__ import annotations

from django.utils import timezone

from branches.models import User

from . import reports
from .models import Episode, EpisodeStatus, MemberReport

YEARLY = [
    (
        "认真学习党的创新理论，坚定理想信念，自觉在思想上政治上行动上同党中央保持高度一致。",
        "在流入地企业从事技术工作，爱岗敬业，带头完成生产任务。",
        "按时参加流入地党支部的主题党日和组织生活会，按月交纳党费。",
    ),
    (
        "坚持每周学习《求是》文章，撰写学习心得。",
        "在物流公司担任班组长，积极参加志愿服务。",
        "参加流入地社区党组织活动，参加了专题组织生活会。",
    ),
]


def ensure_reports(actor: User) -> dict:
    """Yearly reports for about half of the demo episodes away, one change
    report, and lost contact flagged for today (per province)."""
    today = timezone.localdate()
    away = []
    if not MemberReport.objects.filter(year=today.year).exists():
        away = list(
            Episode.objects.filter(status=EpisodeStatus.AWAY)
            .select_related("member")
            .order_by("pk")[:40]
        )
    yearly = changes = 0
    for i, episode in enumerate(away):
        on = max(episode.started_on, today.replace(month=1, day=1))
        if i % 2 == 0:
            thoughts, work, org_life = YEARLY[(i // 2) % len(YEARLY)]
            reports.member_report_submit(
                actor=actor,
                episode=episode,
                kind="yearly",
                on=on,
                thoughts=thoughts,
                work=work,
                org_life=org_life,
            )
            yearly += 1
        elif changes == 0:
            reports.member_report_submit(
                actor=actor,
                episode=episode,
                kind="change",
                on=on,
                new_employer="深圳市某电子科技有限公司",
                new_contact="13912345678",
            )
            changes += 1
    marked = 0
    provinces = (
        Episode.objects.filter(status=EpisodeStatus.AWAY)
        .order_by()
        .values_list("province_id", flat=True)
        .distinct()
    )
    for province_id in provinces:
        if province_id is not None:
            marked += reports.detect_lost_contact(province_id, today)["marked"]
    return {
        "yearly": yearly,
        "changes": changes,
        "lost_contact": marked,
        "reports": MemberReport.objects.count(),
    }
