"""Backup and restore (branches/backup.py, `manage.py backup` / `restore`):
a restore into a new database holds every row of the backup and passes the
consistency check; a damaged dump, a non-empty target or a broken tree is
refused or reported."""

import json
import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command

from branches import backup
from branches.models import Organization
from members.models import Member
from tests.factories import MemberFactory, province_tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def new_database():
    """An empty database on the same server, dropped afterwards."""
    name = f"pb_restore_{uuid.uuid4().hex[:10]}"
    admin = backup.conninfo_for("postgres")
    with backup._connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with backup._connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_restore_into_a_new_database_is_complete_and_consistent(tmp_path, new_database, capsys):
    tree = province_tree("备")
    for branch in (tree["branch1"], tree["branch2"]):
        MemberFactory(branch=branch)
    call_command("backup", "--output", str(tmp_path))
    dumps = list(tmp_path.glob("*.dump"))
    assert len(dumps) == 1
    manifest = json.loads(dumps[0].with_suffix(".json").read_text())
    assert manifest["tables"]["members_member"] == Member.objects.count() == 2
    assert manifest["tables"]["branches_organization"] == Organization.objects.count()

    target = backup.conninfo_for(new_database)
    call_command("restore", str(dumps[0]), "--database-url", target)
    assert "Restored and consistent" in capsys.readouterr().out
    with psycopg.connect(target) as conn:
        names = {row[0] for row in conn.execute("SELECT name FROM members_member")}
        paths = dict(conn.execute("SELECT id, path::text FROM branches_organization"))
    assert names == set(Member.objects.values_list("name", flat=True))
    assert paths[tree["branch1"].pk] == tree["branch1"].path

    # Restoring again into the now full database is refused.
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(dumps[0]), "--database-url", target)

    # The check reports a lost row and a broken tree.
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("ALTER TABLE branches_organization DISABLE TRIGGER ALL")
        conn.execute(
            "UPDATE branches_organization SET path = '999' WHERE id = %s", [tree["branch2"].pk]
        )
        conn.execute("ALTER TABLE members_member DISABLE TRIGGER ALL")
        conn.execute("DELETE FROM members_member WHERE branch_id = %s", [tree["branch1"].pk])
    result = backup.check(target, manifest)
    assert not result.ok
    assert "members_member: 1 rows, 2 expected" in result.problems
    assert any("path not matching" in p for p in result.problems)


def test_a_damaged_dump_is_refused(tmp_path, new_database):
    province_tree("损")
    result = backup.backup(tmp_path)
    with result.dump.open("r+b") as handle:
        handle.seek(100)
        handle.write(b"xxxx")
    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command(
            "restore", str(result.dump), "--database-url", backup.conninfo_for(new_database)
        )
