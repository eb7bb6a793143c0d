"""Backups with PostgreSQL's own tools: `pg_dump` (custom format) and
`pg_restore`, plus a manifest and a consistency check of a restored database.

    python manage.py backup [--output DIR]          -> DIR/<db>-<time>.dump + .json
    python manage.py restore FILE --database-url URL  (an empty database)

The manifest records the migrations applied and the row count of every
table at dump time (in the dump's own snapshot). The check compares a
restored database with it and verifies the organisation tree (each path is
the parent's path plus its own id). Uploaded files (MEDIA_ROOT) are not in
the dump: copy that folder alongside.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg
from django.conf import settings
from django.utils import timezone


class BackupError(Exception):
    pass


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client).")
    return path


def _dsn(db: dict | None = None) -> str:
    """libpq connection string, without the password (given by PGPASSWORD)."""
    db = db or settings.DATABASES["default"]
    parts = {
        "dbname": db["NAME"],
        "user": db.get("USER") or "",
        "host": db.get("HOST") or "",
        "port": str(db.get("PORT") or ""),
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def _connect(conninfo: str, **kwargs):
    password = settings.DATABASES["default"].get("PASSWORD")
    if password and "password" not in conninfo and "@" not in conninfo:
        kwargs["password"] = password
    return psycopg.connect(conninfo, **kwargs)


def _env(db: dict | None = None) -> dict:
    db = db or settings.DATABASES["default"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def table_counts(conn) -> dict[str, int]:
    """Row count of every table of the public schema."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from pg_tables)
            counts[table] = cursor.fetchone()[0]
    return counts


def migrations(conn) -> list[str]:
    with conn.cursor() as cursor:
        cursor.execute("SELECT app || '.' || name FROM django_migrations ORDER BY app, name")
        return [row[0] for row in cursor.fetchall()]


@dataclass
class Backup:
    dump: Path
    manifest: Path
    size: int
    sha256: str
    tables: int
    rows: int


def backup(output: Path) -> Backup:
    """Dump the database into `output` (a folder), with its manifest."""
    output.mkdir(parents=True, exist_ok=True)
    name = settings.DATABASES["default"]["NAME"]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    dump = output / f"{name}-{stamp}.dump"
    # The counts and the dump read the same snapshot: the dump runs inside it.
    with _connect(_dsn(), autocommit=False) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        counts = table_counts(conn)
        applied = migrations(conn)
        result = subprocess.run(  # noqa: S603 (fixed arguments)
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                f"--file={dump}",
                _dsn(),
            ],
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        dump.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    digest = hashlib.sha256()
    with dump.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    manifest = dump.with_suffix(".json")
    manifest.write_text(
        json.dumps(
            {
                "database": name,
                "created_at": datetime.now().astimezone().isoformat(),
                "dump": dump.name,
                "sha256": digest.hexdigest(),
                "migrations": applied,
                "tables": counts,
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    return Backup(
        dump=dump,
        manifest=manifest,
        size=dump.stat().st_size,
        sha256=digest.hexdigest(),
        tables=len(counts),
        rows=sum(counts.values()),
    )


@dataclass
class Check:
    ok: bool
    problems: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0


def check(conninfo: str, manifest: dict) -> Check:
    """Compare a database with a backup's manifest and check the tree."""
    result = Check(ok=True)
    with _connect(conninfo) as conn:
        counts = table_counts(conn)
        result.tables, result.rows = len(counts), sum(counts.values())
        for table, expected in manifest["tables"].items():
            if counts.get(table) != expected:
                result.problems.append(f"{table}: {counts.get(table)} rows, {expected} expected")
        missing = set(manifest["migrations"]) - set(migrations(conn))
        if missing:
            result.problems.append(f"migrations missing: {', '.join(sorted(missing))}")
        with conn.cursor() as cursor:
            cursor.execute(
                """
                SELECT count(*) FROM branches_organization o
                LEFT JOIN branches_organization p ON p.id = o.parent_id
                WHERE o.path::text <> CASE WHEN p.id IS NULL THEN o.id::text
                                           ELSE p.path::text || '.' || o.id::text END
                """
            )
            broken = cursor.fetchone()[0]
        if broken:
            result.problems.append(f"{broken} organisations with a path not matching their parent")
    result.ok = not result.problems
    return result


def restore(dump: Path, conninfo: str) -> Check:
    """Restore `dump` into the empty database at `conninfo`, then check it
    against the dump's manifest."""
    manifest_path = dump.with_suffix(".json")
    if not manifest_path.exists():
        raise BackupError(f"{manifest_path.name} (the manifest) is missing next to the dump.")
    manifest = json.loads(manifest_path.read_text())
    digest = hashlib.sha256(dump.read_bytes()).hexdigest()
    if digest != manifest["sha256"]:
        raise BackupError(f"{dump.name} does not match its manifest (sha256 {digest}).")
    with _connect(conninfo) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        if cursor.fetchone()[0]:
            raise BackupError("The target database is not empty; restore into a new database.")
        # The extensions the migrations created (ltree, pg_trgm) come with the dump.
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [
            _tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={conninfo}",
            str(dump),
        ],
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    return check(conninfo, manifest)


def conninfo_for(name: str) -> str:
    """The connection string of another database on the same server."""
    return _dsn({**settings.DATABASES["default"], "NAME": name})
