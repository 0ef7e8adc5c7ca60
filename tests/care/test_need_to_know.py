"""Need to know, as a persona × record table: who reads an elderly resident's archive and a child's, through the
API (the pages use the same fetch-and-authorise), and which reads are written to the audit log."""

import pytest

from gongzhi.care import access
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.core.models import AuditEvent
from tests.conftest import api_client_for

# persona → (elder's archive, child's archive): "own" read without audit, "audited", 403 or 404
TABLE = {
    "grid_worker_a": ("own", 404),  # the elder's carer; the child is not theirs
    "volunteer_a": ("own", 404),  # a 爱心管家 volunteer assigned to the elder
    "party_member_a": (404, "own"),  # the child's paired party member
    "grid_worker_a2": (404, 404),  # another grid worker of the same community
    "microgrid_worker_a": (404, 404),  # the micro-grid's worker, not assigned
    "community_worker_a": ("audited", 403),  # the community's social worker: children need their own role
    "community_worker_b": (404, 404),
    "street_staff": ("audited", 403),
    "other_street_staff": (404, 404),
    "child_director": (404, "audited"),  # 儿童主任: children only
    "admin": ("audited", "audited"),
    "superuser": ("audited", "audited"),
    "resident_a": (404, 404),  # the same micro-grid's resident
    "volunteer_b": (404, 404),  # a volunteer who is not assigned
    "department": (404, 404),
    "partner": (404, 404),
    "nobody": (404, 404),
}


@pytest.mark.parametrize("persona", sorted(TABLE))
@pytest.mark.parametrize("record", ["elder", "child"])
def test_who_reads_which_care_record(care, persona, record):
    expected = TABLE[persona][0 if record == "elder" else 1]
    archive = care[record]
    before = AuditEvent.objects.filter(action="care.archive.read", target_id=str(archive.pk)).count()
    response = api_client_for(care[persona]).get(f"/api/v1/care/archives/{archive.pk}")
    audits = AuditEvent.objects.filter(action="care.archive.read", target_id=str(archive.pk)).count() - before
    if expected == "own":
        assert response.status_code == 200
        assert response.json()["assigned"] is True
        assert audits == 0
    elif expected == "audited":
        assert response.status_code == 200
        assert response.json()["assigned"] is False
        assert audits == 1
        row = AuditEvent.objects.filter(action="care.archive.read").latest("id")
        assert row.actor_id == care[persona].pk and row.area_code == archive.area_code
    else:
        assert response.status_code == expected, response.content
        assert audits == 0
        body = response.json()
        assert body["field"] == "archive_id"
        assert "父母" not in response.content.decode() and "独居" not in response.content.decode()


@pytest.mark.parametrize("persona", sorted(TABLE))
def test_the_list_shows_exactly_what_each_persona_may_read(care, persona):
    response = api_client_for(care[persona]).get("/api/v1/care/archives")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["items"]}
    expected = {care[r].pk for r, i in (("elder", 0), ("child", 1)) if TABLE[persona][i] in ("own", "audited")}
    assert ids == expected


def test_a_list_read_by_someone_not_assigned_is_audited_with_the_ids(care):
    api_client_for(care["street_staff"]).get("/api/v1/care/archives")
    row = AuditEvent.objects.filter(action="care.archive.list").latest("id")
    assert row.data["ids"] == [care["elder"].pk]


def test_a_carers_list_of_their_own_is_not_audited(care):
    api_client_for(care["grid_worker_a"]).get("/api/v1/care/archives")
    assert not AuditEvent.objects.filter(action="care.archive.list").exists()


def test_a_childs_record_without_the_role_names_the_rule(care):
    with pytest.raises(PermissionDenied) as refused:
        access.archive_get(user=care["community_worker_a"], archive_id=care["child"].pk)
    assert refused.value.details == {"rule": "care.children"}
    assert "儿童" in str(refused.value.message)


def test_an_ended_assignment_ends_the_reading(care):
    from gongzhi.care.actions.archives import carer_end
    from gongzhi.care.models import Carer

    carer = Carer.objects.get(archive=care["elder"], user=care["grid_worker_a"])
    carer_end(actor=care["community_worker_a"], carer_id=carer.pk)
    with pytest.raises(NotFound):
        access.archive_get(user=care["grid_worker_a"], archive_id=care["elder"].pk)


def test_archives_never_reach_the_resident_search_or_the_roster_export(care):
    client = api_client_for(care["community_worker_a"])
    search = client.get("/api/v1/residents", {"q": "张三"})
    assert search.status_code == 200 and search.json()["items"]
    text = search.content.decode()
    assert "高血压" not in text and "care" not in text and "risk" not in text
    resident = client.get(f"/api/v1/residents/{care['elder'].resident_id}").content.decode()
    assert "高血压" not in resident and "care" not in resident
    export = client.get("/api/v1/rosters/exports", {"kind": "residents", "area": "370211001001"})
    assert export.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    body = b"".join(export.streaming_content) if export.streaming else export.content
    cells = " ".join(str(c.value) for row in load_workbook(BytesIO(body)).active.iter_rows() for c in row)
    assert "张三" in cells and "高血压" not in cells and "空巢" not in cells
    assert not AuditEvent.objects.filter(action__startswith="care.archive").exists()
