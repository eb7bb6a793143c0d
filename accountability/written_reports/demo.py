"""Demo annual written reports for last year in 杭州 (ZJ-HZ): 西湖区 (login
xh_org) submitted and the city's staff (zj_org, org_staff of ZJ above it)
accepted; the city's own report to the province was returned for revision;
the other county of the city has only a draft and is late (reminder raised).
Idempotent (one report per organisation and year)."""

from __future__ import annotations

import random
from datetime import date

from branches.models import Organization, OrgKind, User

from . import services, tasks
from .models import WrittenReport

CITY = "ZJ-HZ"
COUNTY = "ZJ-HZ-XH"

TEXT = {
    "achievements": (
        "一是压紧压实党建工作责任，制定年度抓基层党建工作责任清单，书记带头抓、"
        "班子成员分工抓。\n二是全面开展“三会一课”规范化建设，基层党组织按期换届率100%。\n"
        "三是整顿软弱涣散基层党组织，年内完成整顿并通过验收。"
    ),
    "problems": (
        "一是部分基层党组织书记抓党建的意识和能力不强，重业务轻党建的现象仍然存在。\n"
        "二是流动党员管理不够到位，个别流动党员联系不及时。\n三是非公企业党组织覆盖面仍需扩大。"
    ),
    "plans": (
        "一是继续落实书记抓党建责任制，开展基层党组织书记述职评议。\n"
        "二是加强流动党员教育管理，建立按月联系制度。\n三是推进非公企业和社会组织党建工作全覆盖。"
    ),
    "plenary_note": "常委会向全委会报告了全年抓基层党建工作情况，全委会审议通过。",
}


def ensure_written_reports(seed: int = 0) -> int:
    """Create the demo once; return how many reports were created."""
    city = Organization.objects.filter(code=CITY).first()
    own = Organization.objects.filter(code=COUNTY).first()
    county_staff = User.objects.filter(username="xh_org").first()
    city_staff = User.objects.filter(username="zj_org").first()
    if None in (city, own, county_staff, city_staff):
        return 0
    rng = random.Random(seed)  # noqa: S311 - demo data
    year = services.today().year - 1
    others = list(
        Organization.objects.filter(
            parent=city, kind=OrgKind.LOCAL_COMMITTEE, dissolved__isnull=True
        )
        .exclude(pk=own.pk)
        .order_by("code")
    )
    created = 0

    def start(org, actor):
        nonlocal created
        if WrittenReport.objects.filter(organization=org, year=year).exists():
            return None
        report = services.report_start(actor=actor, organization=org, year=year)
        texts = dict(TEXT)
        if rng.random() < 0.5:
            texts["achievements"] = texts["achievements"].replace("100%", "98.6%")
        services.report_update(actor=actor, report=report, **texts)
        created += 1
        return report

    # The county's report: submitted by the county, accepted by the city.
    report = start(own, county_staff)
    if report is not None:
        services.report_update(actor=county_staff, report=report, plenary_on=date(year, 12, 28))
        services.report_submit(actor=county_staff, report=report)
        services.report_accept(
            actor=city_staff, report=report, note="报告内容全面，数据翔实，同意。"
        )
    # The city's report to the province: returned for revision.
    report = start(city, city_staff)
    if report is not None:
        services.report_submit(actor=city_staff, report=report)
        services.report_return(
            actor=city_staff,
            report=report,
            note="“存在问题”部分不够具体，请结合督查发现的问题补充完善后重新报送。",
        )
    # The other county: a draft only, past the deadline.
    for org in others[:1]:
        start(org, city_staff)
    if city.province_id:
        tasks.flag_overdue(city.province_id, services.today())
    return created
