"""A visit record: by an assigned carer, optionally where (checked near the home), what was found, photos without
metadata, needs found (one tap to an appeal), the risk level re-assessed — and bad input that changes nothing."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from gongzhi.care.actions.archives import NEED, archive_update, need_add, risk_set
from gongzhi.care.actions.visits import visit_photo_add, visit_record
from gongzhi.care.models import CareArchive, CareNeed, RiskChange, Visit, VisitPhoto
from gongzhi.core import fsm
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from tests.appeals.test_photos import jpeg_with_gps

HOME = (35.95, 120.18)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def photo(data=None):
    return SimpleUploadedFile("p.jpg", data or jpeg_with_gps(), content_type="image/jpeg")


def test_a_carer_records_a_visit_near_the_home_with_a_photo_a_need_and_a_new_risk_level(care):
    elder = care["elder"]
    archive_update(actor=care["community_worker_a"], archive_id=elder.pk, home_lat=HOME[0], home_lng=HOME[1])
    visit = visit_record(
        actor=care["grid_worker_a"], archive_id=elder.pk, findings="血压偏高，独自在家", lat=HOME[0] + 0.0005,
        lng=HOME[1], risk_level_code="red", risk_reason="血压控制不佳", photos=[photo()],
        needs=[{"kind": "medical", "description": "需要陪同就医"}],
    )  # fmt: skip
    assert visit.near_home is True and 40 < visit.distance_m < 70
    elder.refresh_from_db()
    assert elder.risk_level.code == "red" and elder.last_visited_at == timezone.now()
    change = RiskChange.objects.filter(archive=elder).latest("id")
    assert (change.from_level.code, change.to_level.code, change.reason, change.visit_id) == (
        "yellow", "red", "血压控制不佳", visit.pk
    )  # fmt: skip
    assert CareNeed.objects.get(visit=visit).kind == "medical"
    stored = VisitPhoto.objects.get(visit=visit)
    with Image.open(stored.image.open("rb")) as image:
        assert not image.getexif() and (image.width, image.height) == (48, 64)  # upright, no EXIF or GPS


def test_a_visit_far_from_home_is_recorded_as_such(care):
    elder = care["elder"]
    archive_update(actor=care["community_worker_a"], archive_id=elder.pk, home_lat=HOME[0], home_lng=HOME[1])
    visit = visit_record(actor=care["volunteer_a"], archive_id=elder.pk, findings="电话回访", lat=36.05, lng=HOME[1])
    assert visit.near_home is False and visit.distance_m > 10_000


def test_a_need_becomes_an_appeal_in_one_tap(care):
    from gongzhi.appeals.models import Appeal

    need = CareNeed.objects.get(archive=care["elder"])
    result = fsm.transition(NEED, need.pk, "appeal", actor=care["grid_worker_a"])
    appeal = Appeal.objects.get(pk=result.obj.appeal_id)
    assert result.obj.status == "appealed"
    assert appeal.description == "【生活照料】需要帮忙买药" and appeal.area_code == care["elder"].area_code
    assert appeal.channel == "grid_report"
    with pytest.raises(ValidationFailed) as again:
        fsm.transition(NEED, need.pk, "appeal", actor=care["grid_worker_a"])
    assert again.value.details["allowed"] == ["meet"]


def test_a_volunteer_carer_reports_the_need_as_a_snapshot(care):
    need = need_add(actor=care["volunteer_a"], archive_id=care["elder"].pk, kind="material", description="冬天缺棉被")
    result = fsm.transition(NEED, need.pk, "appeal", actor=care["volunteer_a"])
    assert result.obj.appeal.channel == "snapshot"


def test_the_need_to_appeal_page_is_one_button(care, client):
    need = CareNeed.objects.get(archive=care["elder"])
    client.force_login(care["grid_worker_a"])
    page = client.get(f"/care/archives/{care['elder'].pk}/").content.decode()
    assert f"/care/needs/{need.pk}/appeal/" in page
    response = client.post(f"/care/needs/{need.pk}/appeal/")
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.appeal is not None


# --- bad input: a clear error naming the field, and nothing changed ------------------------------------------


def counts():
    return (Visit.objects.count(), CareNeed.objects.count(), RiskChange.objects.count(), VisitPhoto.objects.count(),
            list(CareArchive.objects.order_by("pk").values_list("risk_level__code", "last_visited_at")))  # fmt: skip


@pytest.mark.parametrize(
    ("who", "kwargs", "error", "field"),
    [
        ("grid_worker_a2", {}, NotFound, "archive_id"),  # no need to know at all
        ("community_worker_a", {}, PermissionDenied, "archive_id"),  # may read, but is not an assigned carer
        ("grid_worker_a", {"findings": "  "}, ValidationFailed, "findings"),
        ("grid_worker_a", {"risk_level_code": "purple", "risk_reason": "x"}, ValidationFailed, "risk_level"),
        ("grid_worker_a", {"risk_level_code": "red"}, ValidationFailed, "risk_reason"),
        ("grid_worker_a", {"lat": 95, "lng": 120}, ValidationFailed, "lat"),
        ("grid_worker_a", {"lat": 35.9}, ValidationFailed, "lng"),
        ("grid_worker_a", {"visited_at": dt.datetime(2026, 3, 5, 9)}, ValidationFailed, "visited_at"),
        ("grid_worker_a", {"needs": [{"kind": "money", "description": "x"}]}, ValidationFailed, "needs.kind"),
        ("grid_worker_a", {"photos": [photo(b"not an image")]}, ValidationFailed, "photos[0]"),
        ("grid_worker_a", {"photos": [photo() for _ in range(10)]}, ValidationFailed, "photos"),
    ],
)
def test_a_bad_visit_is_refused_and_changes_nothing(care, who, kwargs, error, field):
    before = counts()
    args = {"findings": "正常", **kwargs}
    with pytest.raises(error) as refused:
        visit_record(actor=care[who], archive_id=care["elder"].pk, **args)
    assert refused.value.field == field
    assert counts() == before


def test_a_risk_level_not_in_the_list_names_the_list(care):
    with pytest.raises(ValidationFailed) as refused:
        risk_set(actor=care["community_worker_a"], archive_id=care["elder"].pk, level_code="orange", reason="x")
    assert refused.value.field == "risk_level"
    assert "红（red）" in str(refused.value.message) and refused.value.details["allowed"] == ["red", "yellow", "green"]


def test_only_the_visitor_adds_photos_to_a_visit(care):
    visit = visit_record(actor=care["grid_worker_a"], archive_id=care["elder"].pk, findings="正常")
    with pytest.raises(NotFound):
        visit_photo_add(actor=care["volunteer_a"], visit_id=visit.pk, upload=photo())
    assert visit_photo_add(actor=care["grid_worker_a"], visit_id=visit.pk, upload=photo()).width == 48


def test_the_visit_page_records_a_visit_on_a_phone(care, client, clock):
    clock.move_to(dt.datetime(2026, 3, 12, 9))  # the elder's visit is due in 4 days
    client.force_login(care["grid_worker_a"])
    home = client.get("/care/").content.decode()
    assert "张三" in home and f"/care/archives/{care['elder'].pk}/visit/" in home
    form = client.get(f"/care/archives/{care['elder'].pk}/visit/")
    assert form.status_code == 200
    bad = client.post(f"/care/archives/{care['elder'].pk}/visit/", {"findings": "", "lat": "", "lng": ""})
    assert bad.status_code == 422 and 'data-field="findings"' in bad.content.decode()
    ok = client.post(
        f"/care/archives/{care['elder'].pk}/visit/",
        {"findings": "老人精神不错", "need_kind": "daily_care", "need_description": "换灯泡", "photos": [photo()]},
    )
    assert ok.status_code == 302
    assert Visit.objects.get().findings == "老人精神不错" and VisitPhoto.objects.count() == 1


def test_a_visit_photo_is_served_under_need_to_know(care, client):
    visit = visit_record(actor=care["grid_worker_a"], archive_id=care["elder"].pk, findings="正常", photos=[photo()])
    pk = visit.photos.get().pk
    client.force_login(care["grid_worker_a"])
    assert client.get(f"/care/photos/{pk}/").status_code == 200
    client.force_login(care["grid_worker_a2"])
    assert client.get(f"/care/photos/{pk}/").status_code == 404


def test_the_phone_page_fits_a_phone(care, client):
    image = io.BytesIO()
    Image.new("RGB", (4, 4)).save(image, format="PNG")
    client.force_login(care["party_member_a"])
    html = client.get("/care/").content.decode()
    assert "小明" in html and "张三" not in html
