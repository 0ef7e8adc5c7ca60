"""A need found on a care visit becomes a micro-wish or an errand of matching (gongzhi.carelink), through both
apps' public actions in one transaction; the link reads both ways, each side under its own rules."""

import pytest
from django.test import Client

from gongzhi.care.actions.visits import visit_record
from gongzhi.care.models import CareEvent, CareNeed, NeedStatus
from gongzhi.carelink.actions import need_to_demand
from gongzhi.carelink.models import NeedDemand
from gongzhi.carelink.selectors import origin
from gongzhi.core.audit import AuditEvent
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.matching.actions.catalogue import catalogue_seed
from gongzhi.matching.models import Demand, DemandEvent, ServiceItem
from tests.conftest import api_client_for
from tests.test_i18n import english_catalogue  # noqa: F401


@pytest.fixture
def linked(care):
    catalogue_seed()
    visit = visit_record(
        actor=care["grid_worker_a"], archive_id=care["elder"].pk, findings="老人腿脚不便，需要有人代买药品",
        needs=[{"kind": "daily_care", "description": "每周代买降压药"}],
    )  # fmt: skip
    care.people["need"] = CareNeed.objects.get(visit=visit)
    care.people["visit"] = visit
    care.people["item"] = ServiceItem.objects.filter(active=True).order_by("id").first()
    return care


def _nothing_changed(need):
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN
    assert not NeedDemand.objects.exists() and not Demand.objects.exists()
    assert not CareEvent.objects.filter(action="to_demand").exists()


def test_a_carer_turns_a_visit_need_into_an_errand(linked):
    need, item = linked["need"], linked["item"]
    link = need_to_demand(actor=linked["grid_worker_a"], need_id=need.pk, kind="errand", item_id=item.pk)
    need.refresh_from_db()
    demand = link.demand
    assert need.status == NeedStatus.MATCHED
    assert demand.kind == "errand" and demand.resident_id == linked["elder"].resident_id
    assert demand.title == "生活照料帮办"
    # Nothing of the care record is copied to the matching side.
    assert "降压药" not in demand.title + demand.description
    event = CareEvent.objects.get(action="to_demand")
    assert event.data == {"demand": demand.pk, "demand_kind": "errand"} and event.to_state == "matched"
    assert DemandEvent.objects.filter(demand=demand, action="create").count() == 1
    # Once the errand is done the carer closes the need as met (care's own move).
    from gongzhi.care.actions.archives import NEED
    from gongzhi.core import fsm

    fsm.transition(NEED, need.pk, "meet", actor=linked["grid_worker_a"])
    need.refresh_from_db()
    assert need.status == NeedStatus.MET


def test_a_micro_wish_keeps_matchings_value_cap(linked):
    need, item = linked["need"], linked["item"]
    with pytest.raises(ValidationFailed) as error:
        need_to_demand(actor=linked["grid_worker_a"], need_id=need.pk, kind="wish", item_id=item.pk, value_yuan="9999")
    assert error.value.field == "value"
    _nothing_changed(need)
    link = need_to_demand(
        actor=linked["grid_worker_a"], need_id=need.pk, kind="wish", item_id=item.pk, value_yuan="58.50",
        title="一台血压计",
    )  # fmt: skip
    assert link.demand.kind == "wish" and link.demand.value_fen == 5850 and link.demand.title == "一台血压计"


@pytest.mark.parametrize(
    ("persona", "error", "field"),
    [
        ("grid_worker_b", NotFound, "need_id"),  # another grid: learns nothing
        ("resident_a", NotFound, "need_id"),
        ("volunteer_a", PermissionDenied, "need_id"),  # an assigned 爱心管家 volunteer: no care.to_demand
        ("other_street_staff", NotFound, "need_id"),
    ],
)
def test_who_may_not_and_nothing_changes(linked, persona, error, field):
    need = linked["need"]
    with pytest.raises(error) as raised:
        need_to_demand(actor=linked[persona], need_id=need.pk, kind="errand", item_id=linked["item"].pk)
    assert raised.value.field == field
    _nothing_changed(need)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "order"}, "kind"),
        ({"kind": None}, "kind"),
        ({"item_id": "abc"}, "item_id"),
        ({"item_id": 999999}, "item_id"),
        ({"need_id": "x"}, "need_id"),
        ({"need_id": 999999}, "need_id"),
        ({"kind": "errand", "value_yuan": "10"}, "value"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(linked, changes, field):
    args = {"need_id": linked["need"].pk, "kind": "errand", "item_id": linked["item"].pk, **changes}
    with pytest.raises((ValidationFailed, NotFound)) as raised:
        need_to_demand(actor=linked["grid_worker_a"], **args)
    assert raised.value.field == field
    _nothing_changed(linked["need"])


def test_a_second_hand_over_is_refused_and_a_closed_need_cannot_be_handed_over(linked):
    need, item = linked["need"], linked["item"]
    first = need_to_demand(actor=linked["grid_worker_a"], need_id=need.pk, kind="errand", item_id=item.pk)
    with pytest.raises(Conflict) as raised:
        need_to_demand(actor=linked["community_worker_a"], need_id=need.pk, kind="errand", item_id=item.pk)
    assert raised.value.details == {"demand_id": first.demand_id}
    assert Demand.objects.count() == 1 and NeedDemand.objects.count() == 1
    other = CareNeed.objects.create(archive=linked["elder"], kind="material", description="x", status="withdrawn",
                                    created_by=linked["grid_worker_a"])  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        need_to_demand(actor=linked["grid_worker_a"], need_id=other.pk, kind="errand", item_id=item.pk)
    assert refused.value.field == "action"


def test_the_care_move_cannot_be_made_without_a_demand(linked, client: Client):
    """care's own page and API cannot make the move: it needs the demand the bridge creates."""
    client.force_login(linked["grid_worker_a"])
    client.post(f"/care/needs/{linked['need'].pk}/to_demand/")
    _nothing_changed(linked["need"])
    api = api_client_for(linked["grid_worker_a"])
    response = api.post(f"/api/v1/care/needs/{linked['need'].pk}/to_demand", {}, content_type="application/json")
    assert response.status_code in (404, 405, 422)
    _nothing_changed(linked["need"])


def test_the_api_is_idempotent_and_reads_the_link_both_ways(linked):
    need, item = linked["need"], linked["item"]
    client = api_client_for(linked["grid_worker_a"])
    url = f"/api/v1/care/need-demands/{need.pk}"
    body = {"kind": "errand", "item_id": item.pk}
    first = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="cl-1")
    again = client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="cl-1")
    assert first.status_code == again.status_code == 201, first.content
    assert first.json() == again.json() and Demand.objects.count() == 1
    demand_id = first.json()["demand_id"]
    assert first.json()["visit_id"] == linked["visit"].pk and first.json()["need_status"] == "matched"
    # Without the key, a repeat is a conflict naming the demand.
    repeat = client.post(url, body, content_type="application/json")
    assert repeat.status_code == 409 and repeat.json()["details"] == {"demand_id": demand_id}
    assert client.get(url).json()["demand_id"] == demand_id
    # From the demand: the carer sees the archive and the visit's date.
    seen = client.get(f"/api/v1/care/demand-origins/{demand_id}").json()
    assert seen["from_care_visit"] is True and seen["archive_id"] == linked["elder"].pk
    assert seen["visited_on"] == linked["visit"].visited_at.date().isoformat()
    # Another grid worker's staff of the same street without need to know of this adult's archive? The street
    # staff holds care.view: full origin, and the read is audited.
    before = AuditEvent.objects.filter(action="care.archive.read").count()
    staff = api_client_for(linked["street_staff"]).get(f"/api/v1/care/demand-origins/{demand_id}").json()
    assert staff["archive_id"] == linked["elder"].pk
    assert AuditEvent.objects.filter(action="care.archive.read").count() == before + 1


def test_matching_staff_without_need_to_know_see_only_the_marker(linked):
    link = need_to_demand(actor=linked["grid_worker_a"], need_id=linked["need"].pk, kind="errand",
                          item_id=linked["item"].pk)  # fmt: skip
    demand = link.demand
    # The micro-grid worker holds matching.view over the demand's micro-grid but is not a carer and has no care.view.
    found = origin(linked["microgrid_worker_a"], demand)
    assert found is not None and found.from_care_visit and found.archive_id is None and found.visited_on is None
    body = api_client_for(linked["microgrid_worker_a"]).get(f"/api/v1/care/demand-origins/{demand.pk}").json()
    assert body == {"from_care_visit": True, "archive_id": None, "need_id": None, "need_kind": "", "visited_on": None}
    # A resident (not staff, not a carer) sees nothing of care even where matching would show the demand.
    assert origin(linked["resident_a"], demand) is None
    # A grid worker of another grid cannot see the demand at all (matching's rule).
    assert api_client_for(linked["grid_worker_b"]).get(f"/api/v1/care/demand-origins/{demand.pk}").status_code == 404


def test_the_pages_show_the_link_both_ways(linked, client: Client):
    client.force_login(linked["grid_worker_a"])
    archive_url = f"/care/archives/{linked['elder'].pk}/"
    page = client.get(archive_url).content.decode()
    assert f"/care/links/needs/{linked['need'].pk}/demand/" in page
    response = client.post(f"/care/links/needs/{linked['need'].pk}/demand/",
                           {"kind": "errand", "item_id": str(linked["item"].pk)})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == archive_url
    demand = Demand.objects.get()
    page = client.get(archive_url).content.decode()
    assert f"/matching/demands/{demand.pk}/" in page and 'data-panel="carelink-archive"' in page
    detail = client.get(f"/matching/demands/{demand.pk}/").content.decode()
    assert "来自关爱走访" in detail and archive_url in detail
    # A double submit from the page: a clear message, nothing more created.
    client.post(f"/care/links/needs/{linked['need'].pk}/demand/", {"kind": "errand", "item_id": str(linked["item"].pk)})
    assert Demand.objects.count() == 1
    # Matching staff without need to know: the marker, no link to the archive.
    other = Client()
    other.force_login(linked["microgrid_worker_a"])
    detail = other.get(f"/matching/demands/{demand.pk}/").content.decode()
    assert "来自关爱走访" in detail and archive_url not in detail


def test_errors_are_in_the_users_language(linked, english_catalogue):  # noqa: F811
    client = api_client_for(linked["grid_worker_a"])
    response = client.post(f"/api/v1/care/need-demands/{linked['need'].pk}", {"kind": "order", "item_id": 1},
                           content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert response.status_code == 422 and response.json()["field"] == "kind"
    assert "wish" in response.json()["detail"] and "转办类型" not in response.json()["detail"]
