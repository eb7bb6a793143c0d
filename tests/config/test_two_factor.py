"""The optional second factor (config/two_factor.py): turned on with a code
from the app; then every page waits for a code after the password; turning
it off needs a code too; users without it are not affected."""

import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from branches.models import Role
from tests.factories import TEST_PASSWORD, OrganizationFactory, RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_wait_after_a_wrong_code(settings):
    # In use, each wrong code makes the next try wait (1 s, then 2, 4...).
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code_of(device):
    """The app's current code; as if 30 s passed since the last one used
    (a code is good once)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, drift=0)
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def log_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return response


@pytest.fixture
def staff():
    user = UserFactory(username="org_staff_2fa")
    RoleAssignmentFactory(user=user, role=Role.ORG_STAFF, organization=OrganizationFactory())
    return user


def turn_on(client, user):
    client.force_login(user)
    response = client.get(reverse("two_factor"))
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert 'src="data:image/svg+xml' in response.content.decode()
    assert client.post(reverse("two_factor"), {"code": "000000"}).status_code == 400
    device.refresh_from_db()
    assert not device.confirmed
    response = client.post(reverse("two_factor"), {"code": code_of(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    client.logout()
    return device


def test_the_menu_offers_it_to_organisation_departments(client, staff):
    client.force_login(staff)
    assert reverse("two_factor") in client.get(reverse("home")).content.decode()
    member = UserFactory(username="plain_member")
    client.force_login(member)
    assert reverse("two_factor") not in client.get(reverse("home")).content.decode()


def test_after_the_password_every_page_waits_for_the_code(client, staff):
    device = turn_on(client, staff)
    log_in(client, staff)
    response = client.get(reverse("members:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_verify"))
    assert client.get("/api/v1/organizations/").status_code == 403
    wrong = client.post(reverse("two_factor_verify"), {"code": "123456", "next": "/members/"})
    assert wrong.status_code == 400
    assert "这个验证码不对或已过期" in wrong.content.decode()
    device.refresh_from_db()
    right = client.post(
        reverse("two_factor_verify"), {"code": code_of(device), "next": "/members/"}
    )
    assert right.status_code == 302 and right["Location"] == "/members/"
    assert client.get(reverse("members:list")).status_code == 200
    # Off-site "next" addresses are not followed.
    assert client.get(reverse("two_factor_verify") + "?next=https://evil.example/").url == "/"


def test_turning_it_off_needs_a_code(client, staff):
    device = turn_on(client, staff)
    log_in(client, staff)
    client.post(reverse("two_factor_verify"), {"code": code_of(device)})
    assert client.post(reverse("two_factor_disable"), {"code": "000000"}).status_code == 400
    assert TOTPDevice.objects.filter(user=staff).exists()
    device.refresh_from_db()
    client.post(reverse("two_factor_disable"), {"code": code_of(device)})
    assert not TOTPDevice.objects.filter(user=staff).exists()
    client.logout()
    log_in(client, staff)
    assert client.get(reverse("members:list")).status_code == 200


def test_users_without_it_are_not_asked(client, staff):
    log_in(client, staff)
    assert client.get(reverse("members:list")).status_code == 200
