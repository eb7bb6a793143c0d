"""Project-wide checks: lint, formatting, migrations, translations."""

import gettext
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_is_clean(args):
    result = subprocess.run(
        [BIN / "ruff", *args, "."], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


PO_FILES = sorted(ROOT.glob("locale/*/LC_MESSAGES/django.po"))


def test_there_is_a_chinese_catalogue():
    assert ROOT / "locale/zh_Hans/LC_MESSAGES/django.po" in PO_FILES


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda p: p.parts[-3])
def test_catalogue_is_complete_and_compiled(po_path):
    check = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr  # e.g. a placeholder lost in a translation
    po = polib.pofile(str(po_path))
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()]
    with open(po_path.with_suffix(".mo"), "rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    stale = f"{po_path.with_suffix('.mo')} is stale: run ./dev manage compilemessages"
    for entry in po.translated_entries():
        if entry.msgid_plural:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            assert got == entry.msgstr_plural[0], stale
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, stale


@pytest.mark.django_db
def test_openapi_schema_is_valid_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", validate=True, fail_on_warn=True, file=str(target))
    schema = target.read_text()
    for path in (
        "/api/v1/organizations/",
        "/api/v1/members/",
        "/api/v1/transfers/",
        "/api/v1/dues/",
    ):
        assert path in schema
