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
