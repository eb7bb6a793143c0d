import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_chinese_and_has_csrf(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_login_with_wrong_password_says_so(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_then_home_shows_the_users_name(client, user):
    response = client.post(
        reverse("login"), {"username": user.username, "password": TEST_PASSWORD}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("home")
    assert f"欢迎，{user.name}" in html
    assert "修改密码" in html
    assert "退出" in html


def test_logout_is_post_only(user_client):
    assert user_client.get(reverse("logout")).status_code == 405
    response = user_client.post(reverse("logout"))
    assert response.status_code == 302
    assert user_client.get("/").status_code == 302


def test_password_change_checks_the_new_password(user_client, user):
    url = reverse("password_change")
    weak = user_client.post(
        url, {"old_password": TEST_PASSWORD, "new_password1": "123", "new_password2": "123"}
    )
    assert weak.status_code == 200
    assert "密码太短：至少需要 10 个字符。" in weak.content.decode()

    strong = "Huai-ren-2026-x"
    done = user_client.post(
        url, {"old_password": TEST_PASSWORD, "new_password1": strong, "new_password2": strong}
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password(strong)


def test_pages_wire_htmx_with_the_csrf_header_and_local_assets(user_client):
    html = user_client.get("/").content.decode()
    token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", html)
    assert token and len(token.group(1)) >= 32
    scripts = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any("htmx" in src for src in scripts)
    for src in scripts:
        assert src.startswith("/static/"), f"{src} is not served locally"
        assert finders.find(src.removeprefix("/static/")), f"{src} is missing"


def test_english_is_the_second_language(user_client):
    user_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = user_client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Change password" in html
