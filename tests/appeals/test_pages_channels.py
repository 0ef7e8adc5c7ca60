"""The submit page picks the channel from who reports: 随手拍 for part-time grid workers, patrol reports for staff."""

import pytest

from gongzhi.appeals.models import Appeal
from tests import factories
from tests.appeals.pages_helpers import client_for, form
from tests.conftest import GRID_A, MICRO_A
from tests.factories import GridAssignmentFactory

pytestmark = pytest.mark.django_db
URL = "/appeals/new/"


def test_a_residents_report_comes_from_the_web_page(duty, areas, categories):
    c = client_for(duty["resident_a"])
    assert "我要反映" in c.get(URL).content.decode()
    c.post(URL, form(areas[MICRO_A]))
    assert Appeal.objects.get().channel == "resident_web"


def test_a_part_time_grid_worker_reports_by_snapshot(duty, areas, categories):
    rider = factories.UserFactory(username="rider", display_name="刘骑手")
    GridAssignmentFactory(user=rider, area=areas[GRID_A], kind="part_time", occupation="外卖骑手")
    c = client_for(rider)
    assert "随手拍" in c.get(URL).content.decode()
    response = c.post(URL, form(areas[MICRO_A], category=categories["litter"].code))
    appeal = Appeal.objects.get()
    assert response.status_code == 302 and appeal.channel == "snapshot" and appeal.reporter == rider
    assert appeal.state == "dispatched"


def test_an_ended_part_time_assignment_no_longer_counts(duty, areas, categories):
    rider = factories.UserFactory(username="rider", display_name="刘骑手")
    GridAssignmentFactory(user=rider, area=areas[GRID_A], kind="part_time", ended_on="2026-01-01")
    client_for(rider).post(URL, form(areas[MICRO_A]))
    assert Appeal.objects.get().channel == "resident_web"


def test_a_grid_worker_files_a_patrol_report(duty, areas, categories):
    c = client_for(duty["grid_worker_a"])
    assert "巡查上报" in c.get(URL).content.decode()
    c.post(URL, form(areas[MICRO_A]))
    assert Appeal.objects.get().channel == "grid_report"
