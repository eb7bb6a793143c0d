"""Login lock-out (django-axes): after 5 failed logins a username is locked
for 15 minutes, even with the right password and from another address;
other users are not affected; a success before the limit starts the count
again; the lock ends after the cool-off."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_five_failures_lock_the_username(client):
    user = UserFactory(username="zhang")
    other = UserFactory(username="li")
    for _ in range(4):
        response = attempt(client, "zhang", "wrong-password")
        assert response.status_code == 200  # the form again, with its error
        assert "_auth_user_id" not in client.session
    response = attempt(client, "zhang", "wrong-password")
    assert response.status_code == 429
    # The right password does not help now, from any address.
    response = attempt(client, "zhang", TEST_PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert "连续 5 次登录失败" in response.content.decode()
    assert "15 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another user logs in normally.
    assert attempt(client, "li", TEST_PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(other.pk)
    assert user.pk != other.pk


def test_a_success_starts_the_count_again(client):
    UserFactory(username="wang")
    for _ in range(4):
        attempt(client, "wang", "wrong-password")
    assert attempt(client, "wang", TEST_PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert attempt(client, "wang", "wrong-password").status_code == 200
    assert attempt(client, "wang", TEST_PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cool_off(client):
    UserFactory(username="zhao")
    for _ in range(5):
        attempt(client, "zhao", "wrong-password")
    assert attempt(client, "zhao", TEST_PASSWORD).status_code == 429
    # 16 minutes later (the attempts are that old now)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - datetime.timedelta(minutes=16))
    assert attempt(client, "zhao", TEST_PASSWORD).status_code == 302
