"""A resident's copy of their own data (PIPL art. 45): everything of theirs, nothing of anyone else, audited."""

import io
import json

import pytest
from openpyxl import load_workbook

from gongzhi.core.models import AuditEvent
from gongzhi.privacy import selectors
from tests.conftest import api_client_for
from tests.privacy.conftest import browser_for

pytestmark = pytest.mark.django_db


def _text(data) -> str:
    return json.dumps(data, ensure_ascii=False)


def test_the_copy_holds_the_residents_own_profile_appeals_points_and_volunteering(residents):
    a, _b = residents
    data = selectors.my_data(a)
    assert data["profile"]["username"] == a.username
    resident = data["profile"]["resident"]
    assert resident["name"] == "张三"
    assert resident["id_number"] == a.resident.id_number_plain  # in full: it is their own
    assert resident["phone"] == "13812345678"
    assert resident["household"]["number"] == "HA-0001"
    assert [x["description"] for x in data["appeals"]] == ["张三家楼道灯坏了"]
    assert data["appeals"][0]["timeline"], "the appeal's progress is part of the copy"
    assert data["points"]["balance"] == 30
    assert [line["amount"] for line in data["points"]["passbook"]][-1] == 30
    assert data["volunteering"]["name"] == "张三"
    assert [s["activity"] for s in data["volunteering"]["signups"]] == ["张三的社区活动"]


def test_the_copy_holds_nothing_of_another_resident(residents):
    a, b = residents
    text = _text(selectors.my_data(a))
    for theirs in ("李四", "13987654321", b.resident.id_number_plain, "HB-0001", "井盖", b.username):
        assert theirs not in text
    assert "70" not in [str(line["amount"]) for line in selectors.my_data(a)["points"]["passbook"]]


def test_a_login_without_a_resident_record_gets_its_account_only(district):
    data = selectors.my_data(district["grid_worker_a"])
    assert data["profile"]["resident"] is None
    assert data["appeals"] == [] and data["points"] is None and data["volunteering"] is None
    assert data["profile"]["roles"][0]["area_code"] == "370211001001001"


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_the_page_and_the_api_download_the_same_copy_and_audit_it(residents, fmt):
    a, _b = residents
    page = browser_for(a).get(f"/privacy/my-data.{fmt}")
    api = api_client_for(a).get(f"/api/v1/privacy/my-data?format={fmt}")
    for response in (page, api):
        assert response.status_code == 200, response.content[:300]
        assert "attachment" in response["Content-Disposition"]
    if fmt == "json":
        assert json.loads(page.content) == json.loads(api.content)
        assert "李四" not in page.content.decode()
    else:
        wb = load_workbook(io.BytesIO(page.content), read_only=True)
        cells = " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row)
        assert "张三家楼道灯坏了" in cells and "李四" not in cells and "井盖" not in cells
        assert {"个人档案", "诉求", "积分流水", "志愿报名"} <= set(wb.sheetnames)
    exports = AuditEvent.objects.filter(action="privacy.export", actor=a)
    assert exports.count() == 2 and {e.data["format"] for e in exports} == {fmt}


def test_a_bad_format_is_refused_and_nothing_is_audited(residents):
    a, _b = residents
    assert browser_for(a).get("/privacy/my-data.pdf").status_code == 422
    r = api_client_for(a).get("/api/v1/privacy/my-data?format=pdf")
    assert r.status_code == 422
    assert not AuditEvent.objects.filter(action="privacy.export").exists()


def test_the_download_needs_a_signed_in_user(residents):
    from django.test import Client

    assert Client().get("/privacy/my-data.json").status_code == 302
    assert Client().get("/api/v1/privacy/my-data").status_code == 401


def test_a_cell_that_looks_like_a_formula_is_kept_as_text(residents):
    from gongzhi.privacy.exports import _cell

    assert _cell('=HYPERLINK("x")').startswith("'=")
    assert _cell("普通\x07文本") == "普通文本"
