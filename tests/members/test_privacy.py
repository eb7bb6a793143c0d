"""A member's "who can see my data" page: the people whose roles reach the
member's branch, who saw the full ID-card number and who changed the record;
only the member's own."""

import pytest
from django.urls import reverse

from branches.models import Role
from members import services
from tests.factories import MemberFactory, RoleAssignmentFactory, UserFactory, province_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    a = province_tree("丁")
    b = province_tree("戊")
    member_user = UserFactory(username="self_member", name="本人")
    member = MemberFactory(branch=a["branch1"], user=member_user, name="本人")
    RoleAssignmentFactory(user=member_user, role=Role.MEMBER, organization=a["branch1"])
    secretary = UserFactory(username="sec", name="书记甲")
    RoleAssignmentFactory(user=secretary, role=Role.SECRETARY, organization=a["branch1"])
    county = UserFactory(username="county", name="县委组织部干部")
    RoleAssignmentFactory(user=county, role=Role.ORG_STAFF, organization=a["county"])
    sibling = UserFactory(username="sibling", name="邻支部书记")
    RoleAssignmentFactory(user=sibling, role=Role.SECRETARY, organization=a["branch2"])
    other = UserFactory(username="other", name="外省干部")
    RoleAssignmentFactory(user=other, role=Role.ORG_STAFF, organization=b["province"])
    return {"member": member, "user": member_user, "secretary": secretary, "a": a}


def test_the_member_sees_who_may_see_and_who_handled_the_record(client, world):
    member, secretary = world["member"], world["secretary"]
    services.member_reveal_id_number(actor=secretary, member=member)
    services.member_set_flag(actor=secretary, member=member, kind="hardship")
    client.force_login(world["user"])
    response = client.get(reverse("members:mine-privacy"))
    assert response.status_code == 200
    html = response.content.decode()
    roles = html.split('data-test="roles"')[1].split("</table>")[0]
    assert "书记甲" in roles and "县委组织部干部" in roles
    assert "邻支部书记" not in roles and "外省干部" not in roles
    reveals = html.split('data-test="reveals"')[1].split("</ul>")[0]
    assert "书记甲" in reveals
    assert reverse("members:mine-privacy") in client.get(reverse("members:mine")).content.decode()


def test_a_change_names_who_made_it(client, world):
    member, secretary = world["member"], world["secretary"]
    services.member_update(actor=secretary, member=member, phone="13912345678")
    client.force_login(world["user"])
    html = client.get(reverse("members:mine-privacy")).content.decode()
    changes = html.split('data-test="changes"')[1].split("</ul>")[0]
    assert "书记甲" in changes


def test_a_login_without_a_record_gets_a_plain_answer(client):
    client.force_login(UserFactory(username="no_record"))
    response = client.get(reverse("members:mine-privacy"))
    assert response.status_code == 200
    assert response.context["privacy"] is None
