"""The organisation tree: paths, depth and province kept by the database."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError

from branches import services
from branches.models import Organization, OrgKind, OrgLevel
from tests.factories import (
    ActorFactory,
    OrganizationFactory,
    RoleAssignmentFactory,
    province_tree,
)

pytestmark = pytest.mark.django_db


def assert_tree_consistent():
    """Check the whole table: path = parent's path + own id, depth from the
    path, province = the province-level organisation on the path (None when
    there is none)."""
    rows = {
        row["id"]: row
        for row in Organization.objects.values(
            "id", "parent_id", "path", "depth", "province_id", "level"
        )
    }
    for org_id, row in rows.items():
        parent = rows.get(row["parent_id"])
        expected_path = str(org_id) if parent is None else f"{parent['path']}.{org_id}"
        assert row["path"] == expected_path, row
        assert row["depth"] == expected_path.count("."), row
        provinces = [
            int(label)
            for label in expected_path.split(".")
            if rows[int(label)]["level"] == OrgLevel.PROVINCE
        ]
        if len(provinces) <= 1:
            assert row["province_id"] == (provinces[0] if provinces else None), row
        else:  # provinces nested in provinces: one of them
            assert row["province_id"] in provinces, row


def path_of(*orgs):
    return ".".join(str(o.pk) for o in orgs)


@pytest.fixture
def admin():
    return ActorFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def nation():
    root = OrganizationFactory(name="中央", kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CENTRAL)
    return {
        "root": root,
        "A": province_tree("A", parent=root),
        "B": province_tree("B", parent=root),
    }


def test_create_sets_path_depth_and_province_on_every_level(nation):
    root, a = nation["root"], nation["A"]
    chain = [root, a["province"], a["city"], a["county"], a["township"], a["branch1"]]
    for depth, org in enumerate(chain):
        # The in-memory object is refreshed by save() ...
        assert org.path == path_of(*chain[: depth + 1])
        assert org.depth == depth
        # ... and agrees with the database.
        stored = Organization.objects.get(pk=org.pk)
        assert (stored.path, stored.depth) == (org.path, org.depth)
    assert root.province is None
    assert all(org.province == a["province"] for org in chain[1:])
    assert a["branch1"].ancestor_ids == [o.pk for o in chain[:-1]]
    assert_tree_consistent()


def test_a_province_is_its_own_province_even_as_a_root():
    province = OrganizationFactory(kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.PROVINCE)
    city = OrganizationFactory(parent=province, level=OrgLevel.CITY)
    assert province.path == str(province.pk)
    assert province.depth == 0
    assert province.province == province
    assert city.province == province


def test_move_subtree_to_other_province_rewrites_every_descendant(nation, admin):
    a, b = nation["A"], nation["B"]
    moved = [a["county"], a["township"], a["branch1"], a["branch2"]]
    before = {o.pk: Organization.objects.get(pk=o.pk).depth for o in moved}

    result = services.organization_move(
        actor=admin, organization=a["county"], new_parent=b["province"]
    )

    assert result.parent == b["province"]
    assert result.path == path_of(nation["root"], b["province"], a["county"])
    for org in moved:
        org.refresh_from_db()
        assert org.path.startswith(b["province"].path + ".")
        assert org.depth == before[org.pk] - 1  # one level less: county now under a province
        assert org.province == b["province"]
    assert a["branch1"].path == path_of(
        nation["root"], b["province"], a["county"], a["township"], a["branch1"]
    )
    # Nothing of the subtree is left in province A; A's city kept its place.
    assert not Organization.objects.filter(province=a["province"], pk__in=before).exists()
    assert Organization.objects.within(a["province"]).count() == 2  # province, city
    assert Organization.objects.within(b["province"]).count() == 6 + 4
    assert_tree_consistent()


def test_move_is_one_transaction_with_one_audit_context(nation, admin):
    a, b = nation["A"], nation["B"]
    services.organization_move(actor=admin, organization=a["county"], new_parent=b["city"])
    Event = Organization.pgh_event_model
    moved_event = Event.objects.filter(pgh_obj=a["county"], pgh_label="update").get()
    assert moved_event.pgh_context.metadata["action"] == "organization.move"
    assert moved_event.pgh_context.metadata["user"] == admin.pk
    # The descendants' path and province are derived: they changed in the same
    # transaction, and the one move event records it (no event per descendant).
    for key in ("township", "branch1", "branch2"):
        assert not Event.objects.filter(pgh_obj=a[key], pgh_label="update").exists()
        assert Organization.objects.get(pk=a[key].pk).province_id == b["province"].pk


def test_move_rolled_back_leaves_the_whole_subtree_untouched(nation, admin):
    a, b = nation["A"], nation["B"]
    before = dict(Organization.objects.values_list("pk", "path"))
    with pytest.raises(RuntimeError), transaction.atomic():
        services.organization_move(actor=admin, organization=a["county"], new_parent=b["city"])
        assert Organization.objects.get(pk=a["branch2"].pk).province_id == b["province"].pk
        raise RuntimeError("abort")
    assert dict(Organization.objects.values_list("pk", "path")) == before
    assert Organization.objects.get(pk=a["branch2"].pk).province_id == a["province"].pk


def test_saving_a_stale_descendant_after_a_move_keeps_its_new_path(nation, admin):
    a, b = nation["A"], nation["B"]
    stale = Organization.objects.get(pk=a["branch1"].pk)
    services.organization_move(actor=admin, organization=a["county"], new_parent=b["city"])
    stale.name = "改名支部"
    stale.save()  # writes the old path/depth/province it still holds in memory
    assert stale.path == path_of(
        nation["root"], b["province"], b["city"], a["county"], a["township"], a["branch1"]
    )
    assert stale.province == b["province"]
    assert_tree_consistent()


def test_changing_level_to_province_makes_it_the_province_of_its_subtree(nation, admin):
    # An organisation entered as a city by mistake, with a subtree below.
    root = nation["root"]
    wrong = OrganizationFactory(parent=root, kind=OrgKind.LOCAL_COMMITTEE, level=OrgLevel.CITY)
    county = OrganizationFactory(parent=wrong, level=OrgLevel.COUNTY)
    branch = OrganizationFactory(parent=county, level=OrgLevel.VILLAGE)
    assert branch.province is None

    services.organization_update(actor=admin, organization=wrong, level=OrgLevel.PROVINCE)

    for org in (wrong, county, branch):
        org.refresh_from_db()
        assert org.province == wrong
    assert_tree_consistent()


def test_moving_an_org_above_a_province_keeps_the_nested_provinces(admin):
    """A central-level organisation that leads provinces is moved to another
    root: each city under those provinces must keep its own province."""
    root1 = OrganizationFactory(level=OrgLevel.CENTRAL, kind=OrgKind.LOCAL_COMMITTEE)
    root2 = OrganizationFactory(level=OrgLevel.CENTRAL, kind=OrgKind.LOCAL_COMMITTEE)
    group = OrganizationFactory(
        parent=root1, level=OrgLevel.CENTRAL, kind=OrgKind.DEPARTMENT_COMMITTEE
    )
    tree = province_tree("P", parent=group)

    services.organization_move(actor=admin, organization=group, new_parent=root2)

    for key in ("province", "city", "county", "township", "branch1"):
        org = Organization.objects.get(pk=tree[key].pk)
        assert org.path.startswith(f"{root2.pk}.{group.pk}.")
        assert org.province_id == tree["province"].pk, key
    assert_tree_consistent()


def test_service_refuses_a_cycle_naming_both_organisations(nation, admin):
    a = nation["A"]
    before = dict(Organization.objects.values_list("pk", "path"))
    with pytest.raises(ValidationError) as excinfo:
        services.organization_move(actor=admin, organization=a["city"], new_parent=a["branch1"])
    message = " ".join(excinfo.value.message_dict["parent"])
    assert a["city"].name in message
    assert a["branch1"].name in message
    with pytest.raises(ValidationError):
        services.organization_move(actor=admin, organization=a["city"], new_parent=a["city"])
    assert dict(Organization.objects.values_list("pk", "path")) == before


def test_database_refuses_a_cycle_even_without_the_service(nation):
    a = nation["A"]
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Organization.objects.filter(pk=a["city"].pk).update(parent=a["branch1"])
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        Organization.objects.filter(pk=a["city"].pk).update(parent=a["city"])
    assert Organization.objects.get(pk=a["city"].pk).parent == a["province"]
    assert_tree_consistent()


def test_delete_refused_while_the_organisation_leads_others(nation, admin):
    township = nation["A"]["township"]
    with pytest.raises(ValidationError) as excinfo:
        services.organization_delete(actor=admin, organization=township)
    assert township.name in " ".join(excinfo.value.messages)
    # Without the service the database protects the children too.
    with pytest.raises(ProtectedError), transaction.atomic():
        Organization.objects.get(pk=township.pk).delete()
    assert Organization.objects.filter(pk=township.pk).exists()


def test_delete_of_a_leaf_works_and_is_audited(nation, admin):
    leaf = nation["A"]["branch2"]
    services.organization_delete(actor=admin, organization=leaf)
    assert not Organization.objects.filter(pk=leaf.pk).exists()
    event = Organization.pgh_event_model.objects.get(pgh_obj_id=leaf.pk, pgh_label="delete")
    assert event.pgh_context.metadata == {"user": admin.pk, "action": "organization.delete"}
    assert_tree_consistent()


def test_delete_of_a_leaf_with_roles_is_refused(nation, admin):
    leaf = nation["A"]["branch2"]
    RoleAssignmentFactory(organization=leaf)
    with pytest.raises(ValidationError):
        services.organization_delete(actor=admin, organization=leaf)
    assert Organization.objects.filter(pk=leaf.pk).exists()


def test_descendant_of_and_ancestor_of_include_self(nation):
    root, a, b = nation["root"], nation["A"], nation["B"]
    below_county = Organization.objects.filter(path__descendant_of=a["county"].path)
    assert set(below_county) == {a["county"], a["township"], a["branch1"], a["branch2"]}
    assert set(Organization.objects.within(a["county"])) == set(below_county)
    above_branch = Organization.objects.filter(path__ancestor_of=a["branch1"].path)
    assert list(above_branch.order_by("depth")) == [
        root,
        a["province"],
        a["city"],
        a["county"],
        a["township"],
        a["branch1"],
    ]
    # Siblings and the other province are in neither.
    assert a["branch2"] not in above_branch
    assert b["county"] not in below_county
    # A leaf's descendants are itself only; a root's ancestors are itself only.
    assert list(Organization.objects.filter(path__descendant_of=a["branch1"].path)) == [
        a["branch1"]
    ]
    assert list(Organization.objects.filter(path__ancestor_of=root.path)) == [root]
    assert Organization.objects.filter(path__descendant_of=root.path).count() == 13


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_are_serialised_by_the_tree_lock():
    admin = ActorFactory(is_superuser=True, is_staff=True)
    root = OrganizationFactory(level=OrgLevel.CENTRAL, kind=OrgKind.LOCAL_COMMITTEE)
    a, b = province_tree("A", parent=root), province_tree("B", parent=root)
    x, y = a["county"], b["county"]

    locked = threading.Event()
    times: dict[str, float] = {}
    outcomes: dict[str, object] = {}
    errors: list[BaseException] = []

    def hold_lock():
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [services.TREE_LOCK_KEY])
                locked.set()
                time.sleep(1)
                times["released"] = time.monotonic()  # the commit follows
        except BaseException as error:
            errors.append(error)
        finally:
            locked.set()
            connection.close()

    def move(name, organization, new_parent):
        try:
            assert locked.wait(10)
            times[f"{name}_start"] = time.monotonic()
            try:
                services.organization_move(
                    actor=admin, organization=organization, new_parent=new_parent
                )
                outcomes[name] = "moved"
            except ValidationError as error:
                outcomes[name] = error
            times[f"{name}_end"] = time.monotonic()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # Interleaved, "x under y" and "y under x" would build a cycle.
    threads = [
        threading.Thread(target=hold_lock),
        threading.Thread(target=move, args=("xy", x, y)),
        threading.Thread(target=move, args=("yx", y, x)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors

    for name in ("xy", "yx"):
        assert times[f"{name}_end"] > times["released"], "a move ran while the lock was held"
        assert times[f"{name}_end"] - times[f"{name}_start"] > 0.5
    # Serialised: the first move wins, the second sees it and is refused as a cycle.
    assert sorted(type(o).__name__ for o in outcomes.values()) == ["ValidationError", "str"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "moved")
    moved, under = (x, y) if winner == "xy" else (y, x)
    moved.refresh_from_db()
    assert moved.parent_id == under.pk
    assert_tree_consistent()


def test_a_province_that_leads_others_keeps_its_level(nation, admin):
    with pytest.raises(ValidationError) as excinfo:
        services.organization_update(
            actor=admin, organization=nation["A"]["province"], level=OrgLevel.CITY
        )
    assert "level" in excinfo.value.message_dict
