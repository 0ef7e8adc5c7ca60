"""Exports hold what the user may see, masked by default; an unmasked export is allowed to few and always audited."""

import pytest
from django.test import Client
from django.urls import reverse

from gongzhi.core.errors import PermissionDenied
from gongzhi.core.models import AuditEvent
from gongzhi.rosters import actions
from tests.conftest import COMMUNITY_A, STREET
from tests.rosters.conftest import RESIDENT_HEADERS, read_xlsx, run_import, xlsx


def export(user, area, kind="residents", unmasked=False):
    path, count = actions.roster_export(actor=user, kind=kind, area=area, unmasked=unmasked)
    try:
        return read_xlsx(path.read_bytes()), count
    finally:
        path.unlink()


def test_export_is_masked_by_default_and_limited_to_what_the_user_sees(district, resident_in_a, resident_in_b):
    sheets, count = export(district["community_worker_a"], district.areas[COMMUNITY_A])
    rows = sheets["居民"]
    assert list(rows[0]) == RESIDENT_HEADERS
    assert count == 1 and len(rows) == 2  # B's resident is not in community A
    assert export(district["street_staff"], district.areas[STREET])[1] == 2
    household, name, id_number, phone, gender, *_rest, tags = rows[1]
    assert gender == ("男" if resident_in_a.gender == "M" else "女")
    assert (household, name, tags) == ("HA-0001", "张三", "独居")
    assert id_number == resident_in_a.id_number_masked and "*" in id_number
    assert phone == "138****5678"
    assert not AuditEvent.objects.filter(action="roster.export_unmasked").exists()
    assert AuditEvent.objects.filter(action="roster.export", actor=district["community_worker_a"]).exists()


def test_an_unmasked_export_shows_full_numbers_and_writes_an_audit_row(district, resident_in_a):
    sheets, _count = export(district["community_worker_a"], district.areas[COMMUNITY_A], unmasked=True)
    assert sheets["居民"][1][2:4] == (resident_in_a.id_number_plain, "13812345678")
    event = AuditEvent.objects.get(action="roster.export_unmasked")
    assert event.actor == district["community_worker_a"] and event.area_code == COMMUNITY_A
    assert event.data == {"kind": "residents", "rows": 1}


def test_an_unmasked_export_round_trips_through_the_importer_unchanged(district, resident_in_a):
    data = xlsx(("居民", export(district["community_worker_a"], district.areas[COMMUNITY_A], unmasked=True)[0]["居民"]))
    job = run_import(district["community_worker_a"], "residents", data)
    assert (job.status, job.created_count, job.updated_count, job.unchanged_count) == ("done", 0, 0, 1)


@pytest.mark.parametrize(
    ("persona", "area", "unmasked", "allowed"),
    [
        ("street_staff", STREET, True, True),
        ("community_worker_a", COMMUNITY_A, False, True),
        ("community_worker_b", COMMUNITY_A, False, False),
        ("grid_worker_a", COMMUNITY_A, False, False),
        ("resident_a", COMMUNITY_A, False, False),
        ("party_member_a", COMMUNITY_A, False, False),
    ],
)
def test_who_may_export(district, resident_in_a, persona, area, unmasked, allowed):
    if allowed:
        assert export(district[persona], district.areas[area], unmasked=unmasked)[1] == 1
    else:
        with pytest.raises(PermissionDenied):
            export(district[persona], district.areas[area], unmasked=unmasked)
        assert not AuditEvent.objects.filter(action__startswith="roster.export").exists()


def test_households_and_party_members_export(district, household_a, party_org_a):
    from gongzhi.people.models import PartyMember
    from tests.factories import make_id_number

    m = PartyMember(name="赵六", kind="self_managed", organization=party_org_a, area=party_org_a.area)
    m.area_code = party_org_a.area_code
    m.set_id_number(make_id_number())
    m.save()
    households, _ = export(district["community_worker_a"], district.areas[COMMUNITY_A], kind="households")
    assert households["户"][1][:2] == ("HA-0001", household_a.area_code)
    party, _ = export(district["community_worker_a"], district.areas[COMMUNITY_A], kind="party_members")
    assert party["党员"][1][0] == "赵六" and party["党员"][1][3] == "自管党员" and "*" in party["党员"][1][1]


def test_the_export_form_downloads_a_workbook(district, resident_in_a):
    client = Client()
    client.force_login(district["community_worker_a"])
    response = client.post(reverse("rosters:export"), {"kind": "residents", "area": COMMUNITY_A})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert read_xlsx(b"".join(response.streaming_content))["居民"][1][1] == "张三"
    refused = client.post(reverse("rosters:export"), {"kind": "residents", "area": "370211001002"})
    assert refused.status_code == 403
