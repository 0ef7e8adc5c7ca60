"""Fixtures shared by the staff page tests: departments with an officer each, and a login helper."""

import pytest

from gongzhi.accounts.actions import membership_grant
from gongzhi.people.models import Department
from tests.conftest import STREET
from tests.factories import make_user


@pytest.fixture
def departments(duty, areas):
    housing = Department.objects.create(code="housing", name="住建局", kind="government")
    police = Department.objects.create(code="police", name="派出所", kind="government")
    officers = {}
    for dept in (housing, police):
        user = make_user(f"{dept.code}_officer")
        membership_grant(actor=None, user=user, role="department", area=areas[STREET], department=dept)
        officers[dept.code] = user
    return officers


def as_(client, user):
    client.force_login(user)
    return client
