import datetime

import factory
from django.contrib.auth.hashers import make_password

from branches.models import (
    GuidanceBasis,
    GuidanceEdge,
    Organization,
    OrgKind,
    OrgLevel,
    PolicyOverride,
    Role,
    RoleAssignment,
    Sector,
    User,
)

TEST_PASSWORD = "Correct-horse-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(TEST_PASSWORD)


# --- Organisation tree, roles, policies ----------------------------------------
# Paths, depth and province are set by database triggers: create a parent
# before its children (a SubFactory parent is saved first, so that holds).


class ActorFactory(UserFactory):
    """A user who never logs in: an unusable password, no slow hashing."""

    password = factory.LazyFunction(lambda: make_password(None))


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"组织{n}")
    code = factory.Sequence(lambda n: f"ORG-{n:05d}")
    kind = OrgKind.BRANCH
    level = OrgLevel.UNIT
    sector = Sector.GOVERNMENT
    parent = None


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment
        skip_postgeneration_save = True

    user = factory.SubFactory(ActorFactory)
    role = Role.SECRETARY
    organization = factory.SubFactory(OrganizationFactory)
    valid_from = datetime.date(2020, 1, 1)
    valid_to = None


class GuidanceEdgeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GuidanceEdge
        skip_postgeneration_save = True

    guide = factory.SubFactory(OrganizationFactory, kind=OrgKind.DEPARTMENT_COMMITTEE)
    guided = factory.SubFactory(OrganizationFactory)
    basis = GuidanceBasis.TERRITORIAL
    valid_from = datetime.date(2020, 1, 1)
    valid_to = None


class PolicyOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PolicyOverride
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    key = "education_days_other_sectors"
    value = 8
    valid_from = datetime.date(2020, 1, 1)
    valid_to = None


def province_tree(prefix: str, parent: Organization | None = None) -> dict[str, Organization]:
    """A province with city → county → township → two branches.

    Keys: province, city, county, township, branch1, branch2; names start
    with `prefix` ("A" gives "A省", "A市", …, "A支部1").
    """
    province = OrganizationFactory(
        name=f"{prefix}省",
        parent=parent,
        kind=OrgKind.LOCAL_COMMITTEE,
        level=OrgLevel.PROVINCE,
    )
    city = OrganizationFactory(
        name=f"{prefix}市", parent=province, kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CITY
    )
    county = OrganizationFactory(
        name=f"{prefix}县", parent=city, kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.COUNTY
    )
    township = OrganizationFactory(
        name=f"{prefix}镇",
        parent=county,
        kind=OrgKind.GRASSROOTS_COMMITTEE,
        level=OrgLevel.TOWNSHIP,
        sector=Sector.RURAL,
    )
    branches = [
        OrganizationFactory(
            name=f"{prefix}支部{i}",
            parent=township,
            kind=OrgKind.BRANCH,
            level=OrgLevel.VILLAGE,
            sector=Sector.RURAL,
        )
        for i in (1, 2)
    ]
    return {
        "province": province,
        "city": city,
        "county": county,
        "township": township,
        "branch1": branches[0],
        "branch2": branches[1],
    }


# --- Members ----------------------------------------------------------------------


def valid_id_number(seq: int, born: datetime.date = datetime.date(1980, 1, 1)) -> str:
    """An 18-character resident ID-card number with a correct GB 11643 check
    character; different `seq` (0…999 999) give different numbers for one birth date."""
    from members import idcard

    first17 = f"{110101 + seq // 1000:06d}{born:%Y%m%d}{seq % 1000:03d}"
    return first17 + idcard.check_char(first17)


def _one_year_after(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


class MemberFactory(factory.django.DjangoModelFactory):
    """A member created directly (no service, no scope check).

    Probationary by default (conversion due one year after admission);
    `MemberFactory(full=True)` gives a full member. Pass `id_number=` for a
    chosen number; it is stored encrypted, hashed and masked as the service does.
    """

    class Meta:
        model = "members.Member"
        skip_postgeneration_save = True

    class Params:
        id_number = factory.LazyAttributeSequence(lambda o, n: valid_id_number(n, o.birth_date))
        full = factory.Trait(
            status="full",
            conversion_due=None,
            full_since=factory.LazyAttribute(lambda o: _one_year_after(o.joined_on)),
        )

    name = factory.Faker("name", locale="zh_CN")
    gender = "male"
    birth_date = datetime.date(1980, 1, 1)
    education = "bachelor"
    employer_sector = Sector.GOVERNMENT
    joined_on = datetime.date(2024, 7, 1)
    status = "probationary"
    conversion_due = factory.LazyAttribute(lambda o: _one_year_after(o.joined_on))
    full_since = None
    branch = factory.SubFactory(OrganizationFactory)
    province = factory.LazyAttribute(lambda o: o.branch.province)

    @factory.lazy_attribute
    def id_number_encrypted(self):
        from members import idcard

        return idcard.encrypt(self.id_number)

    @factory.lazy_attribute
    def id_number_hash(self):
        from members import idcard

        return idcard.keyed_hash(self.id_number)

    @factory.lazy_attribute
    def id_number_masked(self):
        from members import idcard

        return idcard.mask(self.id_number)
