"""Fixtures shared by the staff page tests: departments with an officer each, and a login helper."""

import pytest

from gongzhi.accounts.actions import membership_grant
from tests.conftest import STREET
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def departments(duty, areas):
    housing = DepartmentFactory(code="housing", name="住建局")
    police = DepartmentFactory(code="police", name="派出所")
    officers = {}
    for dept in (housing, police):
        user = UserFactory(username=f"{dept.code}_officer")
        membership_grant(actor=None, user=user, role="department", area=areas[STREET], department=dept)
        officers[dept.code] = user
    return officers


def as_(client, user):
    client.force_login(user)
    return client
