"""The command centre page (/command/): cards, alerts and leagues render, no resident's data, permission, bad
input, and the league tables' XLSX export opens."""

import io

import pytest
import time_machine
from openpyxl import load_workbook

from tests.appeals.measures_data import NOW, build_march
from tests.conftest import COMMUNITY_A, COMMUNITY_B, STREET

pytestmark = pytest.mark.django_db
MARCH = {"from": "2026-03-01", "to": "2026-04-01"}


@pytest.fixture
def march(district, areas, resident_in_a):
    with time_machine.travel(NOW, tick=False):
        build_march(areas)
        yield district


def test_the_centre_renders_cards_alerts_and_leagues_without_personal_data(client, march, resident_in_a):
    client.force_login(march["street_staff"])
    with time_machine.travel(NOW, tick=False):
        response = client.get("/command/", {"area": STREET, **MARCH})
    assert response.status_code == 200
    text = response.content.decode()
    for words in (
        "指挥中心",
        "受理诉求",
        "响应率",
        "预警",
        "下级区域排名",
        "部门报到及时率",
        'data-spark="appeals_received"',
    ):
        assert words in text, words
    assert 'id="command-sparks"' in text
    assert resident_in_a.name not in text
    assert "13812345678" not in text


def test_a_community_worker_cannot_open_another_community(client, march):
    client.force_login(march["community_worker_a"])
    assert client.get("/command/", {"area": COMMUNITY_A}).status_code == 200
    response = client.get("/command/", {"area": COMMUNITY_B})
    assert response.status_code == 403
    assert "权限" in response.content.decode()


def test_a_resident_gets_no_centre(client, march):
    client.force_login(march["resident_a"])
    assert client.get("/command/").status_code == 403


def test_a_reversed_period_is_explained(client, march):
    client.force_login(march["street_staff"])
    response = client.get("/command/", {"area": STREET, "from": "2026-04-01", "to": "2026-03-01"})
    assert response.status_code == 422
    assert "结束日期 to 必须晚于开始日期 from" in response.content.decode()


def test_the_league_export_opens_with_both_tables(client, march):
    client.force_login(march["street_staff"])
    with time_machine.travel(NOW, tick=False):
        response = client.get("/command/leagues.xlsx", {"area": STREET, **MARCH})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    areas_sheet, departments = book.worksheets
    codes = [row[0] for row in areas_sheet.iter_rows(min_row=3, values_only=True)]
    assert codes == [COMMUNITY_A, COMMUNITY_B]
    names = [row[0] for row in departments.iter_rows(min_row=2, values_only=True)]
    assert names == ["住建", "派出所"]
