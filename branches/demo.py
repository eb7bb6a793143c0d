"""Demo organisation trees: realistic Chinese names, deterministic by seed.

`small`: two provinces (浙江, an inflow province; 四川, an outflow province)
with a few cities, counties and townships each, about 200 branches.
`province`: one more province (山东) of about 5·10^4 organisations.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from .models import OrgKind, OrgLevel, Sector


@dataclass(frozen=True)
class OrgSpec:
    code: str
    parent_code: str | None
    name: str
    kind: str
    level: str
    sector: str
    established: date | None = None
    is_mobile_org: bool = False


SMALL_PROVINCES = {
    "ZJ": (
        "浙江",
        {
            "HZ": (
                "杭州",
                {
                    "XH": ("西湖区", ["北山街道", "西溪街道", "翠苑街道"]),
                    "YH": ("余杭区", ["仓前街道", "良渚街道", "径山镇"]),
                },
            ),
            "WZ": (
                "温州",
                {
                    "RA": ("瑞安市", ["安阳街道", "塘下镇", "马屿镇"]),
                    "YJ": ("永嘉县", ["瓯北街道", "桥头镇", "岩头镇"]),
                },
            ),
        },
    ),
    "SC": (
        "四川",
        {
            "CD": (
                "成都",
                {
                    "WH": ("武侯区", ["浆洗街街道", "望江路街道", "簇锦街道"]),
                    "SL": ("双流区", ["东升街道", "九江街道", "黄甲街道"]),
                },
            ),
            "NC": (
                "南充",
                {
                    "SQ": ("顺庆区", ["中城街道", "舞凤街道", "新复乡"]),
                    "LZ": ("阆中市", ["保宁街道", "七里街道", "江南街道"]),
                },
            ),
        },
    ),
}

FIRST = "东西南北新大小上下前后高石河山沙龙凤桃杏柳梅竹松金银青白"
SECOND = "溪桥塘湾坪岗岭庄口坝林湖田园坑头港泉洲垟"
FIRMS = ["科技", "电子", "机械", "纺织", "食品", "物流", "建材", "医药", "服饰", "新材料"]
BUREAUS = ["委办公室", "财政局", "民政局", "教育局", "农业农村局", "卫生健康局"]


def _place(rng: random.Random, used: set[str]) -> str:
    for _ in range(1000):
        name = rng.choice(FIRST) + rng.choice(SECOND)
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("ran out of place names")


def _founded(rng: random.Random, start: int = 1950, end: int = 2018) -> date:
    return date(rng.randint(start, end), rng.randint(1, 12), rng.randint(1, 28))


def _county_units(rng, code, county, townships, branches_per_township, used) -> Iterator[OrgSpec]:
    suffix = county[-1]  # 区 / 县 / 市
    organ = f"{code}-JG"
    yield OrgSpec(
        organ,
        code,
        f"中共{county}直属机关工作委员会",
        OrgKind.GRASSROOTS_COMMITTEE,
        OrgLevel.COUNTY,
        Sector.GOVERNMENT,
        _founded(rng),
    )
    for i, bureau in enumerate(BUREAUS[:4], 1):
        name = (
            f"{county}{bureau}机关党支部"
            if bureau != "委办公室"
            else f"中共{county}{suffix}委办公室党支部"
        )
        yield OrgSpec(
            f"{organ}-{i:02d}",
            organ,
            name,
            OrgKind.BRANCH,
            OrgLevel.UNIT,
            Sector.GOVERNMENT,
            _founded(rng, 1980),
        )
    school = f"{code}-XX"
    yield OrgSpec(
        school,
        code,
        f"{county}第一中学党总支",
        OrgKind.GENERAL_BRANCH,
        OrgLevel.UNIT,
        Sector.PUBLIC_INSTITUTION,
        _founded(rng, 1960),
    )
    for i, group in enumerate(["教师第一党支部", "教师第二党支部"], 1):
        yield OrgSpec(
            f"{school}-{i:02d}",
            school,
            f"{county}第一中学{group}",
            OrgKind.BRANCH,
            OrgLevel.UNIT,
            Sector.PUBLIC_INSTITUTION,
            _founded(rng, 1985),
        )
    for t, township in enumerate(townships, 1):
        tcode = f"{code}-T{t}"
        is_street = township.endswith("街道")
        yield OrgSpec(
            tcode,
            code,
            f"中共{county}{township}{'工作委员会' if is_street else '委员会'}",
            OrgKind.GRASSROOTS_COMMITTEE,
            OrgLevel.TOWNSHIP,
            Sector.COMMUNITY if is_street else Sector.RURAL,
            _founded(rng),
        )
        for b in range(1, branches_per_township + 1):
            bcode = f"{tcode}-{b:02d}"
            if b == branches_per_township:
                firm = f"{_place(rng, used)}{rng.choice(FIRMS)}有限公司"
                yield OrgSpec(
                    bcode,
                    tcode,
                    f"{firm}党支部",
                    OrgKind.BRANCH,
                    OrgLevel.UNIT,
                    Sector.PRIVATE_ENTERPRISE,
                    _founded(rng, 2000),
                )
            elif is_street:
                yield OrgSpec(
                    bcode,
                    tcode,
                    f"中共{_place(rng, used)}社区支部委员会",
                    OrgKind.BRANCH,
                    OrgLevel.VILLAGE,
                    Sector.COMMUNITY,
                    _founded(rng, 1985),
                )
            else:
                yield OrgSpec(
                    bcode,
                    tcode,
                    f"中共{_place(rng, used)}村支部委员会",
                    OrgKind.BRANCH,
                    OrgLevel.VILLAGE,
                    Sector.RURAL,
                    _founded(rng),
                )


def small_tree(seed: int) -> Iterator[OrgSpec]:
    rng = random.Random(seed)  # noqa: S311 - demo data, deterministic by design
    yield OrgSpec(
        "CN",
        None,
        "中国共产党中央委员会",
        OrgKind.LOCAL_COMMITTEE,
        OrgLevel.CENTRAL,
        Sector.GOVERNMENT,
        date(1921, 7, 1),
    )
    for pcode, (province, cities) in SMALL_PROVINCES.items():
        used: set[str] = set()
        yield OrgSpec(
            pcode,
            "CN",
            f"中共{province}省委员会",
            OrgKind.LOCAL_COMMITTEE,
            OrgLevel.PROVINCE,
            Sector.GOVERNMENT,
            date(1949, 10, 1),
        )
        yield OrgSpec(
            f"{pcode}-JYT",
            pcode,
            f"{province}省教育厅党组",
            OrgKind.DEPARTMENT_GROUP,
            OrgLevel.PROVINCE,
            Sector.GOVERNMENT,
            date(1983, 5, 1),
        )
        for ccode, (city, counties) in cities.items():
            city_code = f"{pcode}-{ccode}"
            yield OrgSpec(
                city_code,
                pcode,
                f"中共{city}市委员会",
                OrgKind.LOCAL_COMMITTEE,
                OrgLevel.CITY,
                Sector.GOVERNMENT,
                _founded(rng, 1949, 1983),
            )
            for kcode, (county, townships) in counties.items():
                county_code = f"{city_code}-{kcode}"
                yield OrgSpec(
                    county_code,
                    city_code,
                    f"中共{city}市{county}委员会",
                    OrgKind.LOCAL_COMMITTEE,
                    OrgLevel.COUNTY,
                    Sector.GOVERNMENT,
                    _founded(rng, 1949, 1995),
                )
                yield from _county_units(rng, county_code, county, townships, 7, used)
    # Members from Sichuan working in Hangzhou meet in an inflow branch of their own.
    yield OrgSpec(
        "ZJ-HZ-XH-LD",
        "ZJ-HZ-XH",
        "西湖区流动党员党支部（四川籍）",
        OrgKind.BRANCH,
        OrgLevel.UNIT,
        Sector.OTHER,
        date(2008, 3, 1),
        is_mobile_org=True,
    )


def province_tree(
    seed: int, cities: int = 16, counties: int = 8, townships: int = 12, branches: int = 32
) -> Iterator[OrgSpec]:
    """About 5·10^4 organisations: 16 × 8 × 12 townships of 32 branches."""
    rng = random.Random(seed)  # noqa: S311 - demo data, deterministic by design
    yield OrgSpec(
        "SD",
        "CN",
        "中共山东省委员会",
        OrgKind.LOCAL_COMMITTEE,
        OrgLevel.PROVINCE,
        Sector.GOVERNMENT,
        date(1949, 10, 1),
    )
    sectors = (
        [Sector.RURAL] * 6
        + [Sector.COMMUNITY] * 2
        + [
            Sector.PRIVATE_ENTERPRISE,
            Sector.GOVERNMENT,
            Sector.STATE_ENTERPRISE,
            Sector.PUBLIC_INSTITUTION,
            Sector.SOCIAL_ORGANISATION,
        ]
    )
    for c in range(1, cities + 1):
        ccode = f"SD-C{c:02d}"
        city = _place(rng, set()) + "市"
        yield OrgSpec(
            ccode,
            "SD",
            f"中共{city}委员会（{c}）",
            OrgKind.LOCAL_COMMITTEE,
            OrgLevel.CITY,
            Sector.GOVERNMENT,
            _founded(rng, 1949, 1983),
        )
        for k in range(1, counties + 1):
            kcode = f"{ccode}-K{k:02d}"
            yield OrgSpec(
                kcode,
                ccode,
                f"中共{city}第{k}县委员会",
                OrgKind.LOCAL_COMMITTEE,
                OrgLevel.COUNTY,
                Sector.GOVERNMENT,
                _founded(rng, 1949, 1995),
            )
            for t in range(1, townships + 1):
                tcode = f"{kcode}-T{t:02d}"
                yield OrgSpec(
                    tcode,
                    kcode,
                    f"中共第{k}县第{t}镇委员会",
                    OrgKind.GRASSROOTS_COMMITTEE,
                    OrgLevel.TOWNSHIP,
                    Sector.RURAL,
                    _founded(rng),
                )
                used: set[str] = set()
                for b in range(1, branches + 1):
                    sector = rng.choice(sectors)
                    place = _place(rng, used) if len(used) < 400 else f"第{b}"
                    yield OrgSpec(
                        f"{tcode}-B{b:03d}",
                        tcode,
                        f"中共{place}{'村' if sector == Sector.RURAL else ''}支部委员会（{b}）",
                        OrgKind.BRANCH,
                        OrgLevel.VILLAGE
                        if sector in (Sector.RURAL, Sector.COMMUNITY)
                        else OrgLevel.UNIT,
                        sector,
                        _founded(rng),
                    )


@dataclass(frozen=True)
class DemoUser:
    username: str
    name: str
    role: str | None
    org_code: str | None
    superuser: bool = False


DEMO_USERS = [
    DemoUser("admin", "系统管理员", None, None, superuser=True),
    DemoUser("zj_org", "王建国", "org_staff", "ZJ"),
    DemoUser("zj_inspector", "李秀英", "inspector", "ZJ"),
    DemoUser("xh_org", "张伟", "org_staff", "ZJ-HZ-XH"),
    DemoUser("xh_secretary", "刘洋", "secretary", "ZJ-HZ-XH-T1-01"),
    DemoUser("xh_deputy", "陈静", "deputy", "ZJ-HZ-XH-T1-01"),
    DemoUser("xh_member", "赵磊", "member", "ZJ-HZ-XH-T1-01"),
    DemoUser("sc_org", "杨帆", "org_staff", "SC"),
    DemoUser("xh_leader", "徐志明", "member", "ZJ-HZ-XH-JG-01"),  # a county-level leader
    DemoUser("lz_secretary", "黄勇", "secretary", "SC-NC-LZ-T1-01"),
    DemoUser("ops_admin", "周敏", "sysadmin", "ZJ"),
    DemoUser("sd_org", "孙丽", "org_staff", "SD"),  # only with --scale province
]
