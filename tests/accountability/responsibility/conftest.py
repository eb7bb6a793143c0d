import pytest

from tests.factories import MemberFactory


@pytest.fixture
def people(world):
    """Members of the county of province A (in its branches), and one of the second county."""
    a = world["a"]
    return {
        "li": MemberFactory(name="李书记", branch=a["branch1"], full=True),
        "wang": MemberFactory(name="王副书记", branch=a["branch1"], full=True),
        "zhao": MemberFactory(name="赵部长", branch=a["branch2"], full=True),
        "sun": MemberFactory(name="孙委员", branch=a["branch2"], full=True),
        "outsider": MemberFactory(name="外县党员", branch=world["branch3"], full=True),
        "far": MemberFactory(name="外省党员", branch=world["b"]["branch1"], full=True),
    }
