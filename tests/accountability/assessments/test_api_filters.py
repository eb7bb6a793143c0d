"""A list filter that is not an ASCII number gives an empty list, not a 500."""

import pytest

from .conftest import make_scheme

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url, param",
    [
        ("/api/v1/assessment-schemes/", "organization"),
        ("/api/v1/scorecards/", "scheme"),
        ("/api/v1/scorecards/", "organization"),
    ],
)
def test_a_non_ascii_digit_filter_gives_an_empty_list(client, world, url, param):
    make_scheme(world)
    client.force_login(world["u"]["city"])
    assert client.get(url).json()["count"] > 0
    response = client.get(url, {param: "²"})  # str.isdigit() is True, int() fails
    assert response.status_code == 200 and response.json()["count"] == 0
