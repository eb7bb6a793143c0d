import pytest
from django.core.management import CommandError, call_command

from branches.management.commands.seed_demo import DEMO_PASSWORD
from branches.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_refused_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")


def test_seed_demo_creates_the_admin_login_once(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo", "--scale", "small")
    call_command("seed_demo", "--scale", "small")

    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password(DEMO_PASSWORD)
    assert User.objects.filter(username="admin").count() == 1
    assert "admin" in capsys.readouterr().out
