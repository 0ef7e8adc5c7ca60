"""The measures page and its XLSX export."""

import io

import pytest
import time_machine
from openpyxl import load_workbook

from tests.appeals.measures_data import NOW, build_march
from tests.conftest import COMMUNITY_A, COMMUNITY_B, STREET

pytestmark = pytest.mark.django_db
PAGE = "/appeals/measures/"
EXPORT = "/appeals/measures/export.xlsx"
MARCH = {"area": STREET, "from": "2026-03-01", "to": "2026-04-01"}


@pytest.fixture
def march(district, areas):
    with time_machine.travel(NOW, tick=False):
        build_march(areas)
        yield district


def login(client, user):
    client.force_login(user)
    return client


def test_the_page_renders_charts_summary_and_league_table(client, march):
    login(client, march["street_staff"])
    with time_machine.travel(NOW, tick=False):
        response = client.get(PAGE, {**MARCH, "sort": "closure_rate"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor/echarts/echarts.min.js" in html
    assert 'id="chart-rates"' in html and 'id="chart-trend"' in html
    assert "measures-chart-data" in html
    assert "灵山卫1社区" in html and "灵山卫2社区" in html
    assert "60.0%" in html  # response rate 3/5
    assert "50.0%" in html  # on-time closure 2/4
    assert "-40.0%" in html  # complaints per 1,000 households against the previous period
    assert "—" in html  # B's satisfaction: nothing rated
    assert 'name="viewport"' in html
    # League table in the chosen order: A (50% closed) before B (0%).
    assert html.index('<a href="?area=' + COMMUNITY_A) < html.index('<a href="?area=' + COMMUNITY_B)


def test_an_empty_period_shows_dashes(client, march):
    login(client, march["street_staff"])
    response = client.get(PAGE, {"area": STREET, "from": "2025-01-01", "to": "2025-02-01"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "—" in html
    assert 'id="chart-trend"' not in html


def test_the_page_needs_a_login(client, district):
    response = client.get(PAGE)
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("persona", "status"),
    [("street_staff", 200), ("community_worker_a", 403), ("resident_a", 403), ("other_street_staff", 403)],
)
def test_page_permission_per_persona(client, march, persona, status):
    login(client, march[persona])
    assert client.get(PAGE, {"area": STREET}).status_code == status
    assert client.get(EXPORT, {"area": STREET}).status_code == status


def test_bad_dates_get_a_clear_message(client, march):
    login(client, march["street_staff"])
    response = client.get(PAGE, {"area": STREET, "from": "2026-04-01", "to": "2026-03-01"})
    assert response.status_code == 422
    assert "结束日期" in response.content.decode()


def test_the_export_opens_with_openpyxl_and_has_the_rows(client, march):
    login(client, march["street_staff"])
    with time_machine.travel(NOW, tick=False):
        response = client.get(EXPORT, {**MARCH, "sort": "closure_rate"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("区域", "灵山卫街道", STREET)
    assert rows[1] == ("统计周期", "2026-03-01", "2026-04-01", *[None] * (len(rows[1]) - 3))
    header = rows[2]
    assert header[:4] == ("区域编码", "名称", "受理数", "响应率")
    body = {r[0]: dict(zip(header, r, strict=True)) for r in rows[3:]}
    assert list(body) == [STREET, COMMUNITY_A, COMMUNITY_B]
    assert body[STREET]["受理数"] == 6
    assert body[STREET]["响应率"] == pytest.approx(0.6)
    assert body[STREET]["按期结案率"] == pytest.approx(0.5)
    assert body[STREET]["较上期变化"] == pytest.approx(-0.4)
    assert body[COMMUNITY_A]["受理数"] == 4
    assert body[COMMUNITY_B]["满意率"] is None
    assert body[COMMUNITY_B]["千户投诉率"] == pytest.approx(1000.0)
