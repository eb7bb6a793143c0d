import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"


def test_me_needs_authentication():
    response = APIClient().get(ME)
    assert response.status_code in (401, 403)


def test_me_with_session(user_client, user):
    response = user_client.get(ME)
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert response.json()["name"] == user.name


def test_me_with_token(user):
    token = Token.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == user.pk


def test_bad_token_is_refused(user):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(ME).status_code == 401


def test_schema_and_docs_need_login(user_client):
    assert APIClient().get("/api/schema/").status_code == 401
    assert APIClient().get("/api/docs/").status_code in (302, 401, 403)
    schema = user_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/me/" in schema.json()["paths"]
    docs = user_client.get("/api/docs/")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.content.decode()
