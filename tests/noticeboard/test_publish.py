"""Closing a public appeal publishes its result on the community's board; a private one does not."""

import io

import pytest
from PIL import Image

from gongzhi.appeals.actions import appeal_photo_add
from gongzhi.core.append_only import AppendOnlyError
from gongzhi.core.errors import NotFound, PermissionDenied, ValidationFailed
from gongzhi.noticeboard.actions import notice_publish, notice_withdraw, scrub
from gongzhi.noticeboard.models import Notice
from tests.conftest import COMMUNITY_A, COMMUNITY_B, STREET
from tests.noticeboard.conftest import run

pytestmark = pytest.mark.django_db


def test_closing_a_public_appeal_publishes_its_result_on_the_community_board(close):
    appeal = close()
    notice = Notice.objects.get()
    assert notice.area_code == COMMUNITY_A and notice.source_appeal == appeal
    assert notice.kind == "appeal_result" and notice.published_by is None and notice.is_live
    assert appeal.number in notice.body and "垃圾堆放" in notice.title
    assert "已清理干净" in notice.body and "按期办结：是" in notice.body
    for private in ("王小明", "13912345678", "7号楼", appeal.description):
        assert private not in notice.title + notice.body


def test_a_private_appeal_is_not_published(close):
    close(is_public=False)
    assert not Notice.objects.exists()


def test_phone_and_id_numbers_in_the_handling_note_are_blanked(close):
    close(note="已联系住户13912345678（身份证370211198001011234）处理完毕")
    body = Notice.objects.get().body
    assert "13912345678" not in body and "370211198001011234" not in body and "***" in body
    assert scrub("门牌 12 号") == "门牌 12 号"


def test_closing_again_after_a_rework_replaces_the_earlier_notice(close, duty):
    appeal = close()
    run(duty, appeal, "community_worker_a", "reopen", note="居民反映又有垃圾")
    run(duty, appeal, "microgrid_worker_a", "handle", note="再次清理")
    run(duty, appeal, "grid_worker_a", "verify")
    run(duty, appeal, "grid_worker_a", "close")
    live = Notice.objects.filter(withdrawn_at__isnull=True)
    assert live.count() == 1 and "再次清理" in live.get().body
    old = Notice.objects.get(withdrawn_at__isnull=False)
    assert old.withdraw_reason


def test_only_public_copies_of_evidence_photos_go_on_the_board(close, duty, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def add_photo(appeal):
        out = io.BytesIO()
        Image.new("RGB", (8, 8), "green").save(out, format="JPEG")
        out.seek(0)
        out.name = "after.jpg"
        return appeal_photo_add(actor=duty["microgrid_worker_a"], appeal=appeal, upload=out, kind="evidence")

    appeal = close(photo=add_photo)
    photo = appeal.photos.get()
    assert Notice.objects.get().photos == [photo.public.url]
    assert photo.original.url not in Notice.objects.get().photos


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("superuser", True),
        ("admin", True),
        ("street_staff", True),
        ("community_worker_a", True),
        ("community_worker_b", False),  # another community
        ("other_street_staff", False),
        ("grid_worker_a", False),
        ("microgrid_worker_a", False),
        ("department", False),
        ("resident_a", False),
    ],
)
def test_withdraw_permission_per_persona(close, duty, persona, allowed):
    close()
    notice = Notice.objects.get()
    if allowed:
        notice = notice_withdraw(actor=duty[persona], notice_id=notice.pk, reason="信息有误")
        assert notice.withdrawn_by == duty[persona] and not notice.is_live
    else:
        with pytest.raises(PermissionDenied):
            notice_withdraw(actor=duty[persona], notice_id=notice.pk, reason="信息有误")
        assert Notice.objects.get().is_live


def test_withdraw_needs_a_reason_a_live_notice_and_an_existing_one(close, duty):
    close()
    notice = Notice.objects.get()
    with pytest.raises(ValidationFailed) as info:
        notice_withdraw(actor=duty["community_worker_a"], notice_id=notice.pk, reason="  ")
    assert info.value.field == "reason" and Notice.objects.get().is_live
    notice_withdraw(actor=duty["community_worker_a"], notice_id=notice.pk, reason="信息有误")
    with pytest.raises(ValidationFailed):
        notice_withdraw(actor=duty["community_worker_a"], notice_id=notice.pk, reason="再撤一次")
    with pytest.raises(NotFound):
        notice_withdraw(actor=duty["community_worker_a"], notice_id=notice.pk + 99, reason="信息有误")


def test_notices_are_append_only(close):
    close()
    with pytest.raises(AppendOnlyError):
        Notice.objects.get().delete()
    with pytest.raises(AppendOnlyError):
        Notice.objects.all().delete()
    assert Notice.objects.count() == 1


def test_publishing_by_hand_needs_the_rule_and_valid_fields(duty, areas):
    notice = notice_publish(actor=duty["street_staff"], area_code=STREET, title="停水通知", body="周六停水")
    assert notice.published_by == duty["street_staff"] and notice.kind == "announcement"
    with pytest.raises(PermissionDenied):
        notice_publish(actor=duty["community_worker_b"], area_code=COMMUNITY_A, title="越权")
    for bad, field in (({"title": ""}, "title"), ({"area_code": "999"}, "area_code"), ({"kind": "x"}, "kind")):
        params = {"area_code": COMMUNITY_B, "title": "通知", **bad}
        with pytest.raises(ValidationFailed) as info:
            notice_publish(actor=duty["street_staff"], **params)
        assert info.value.field == field
    assert Notice.objects.count() == 1
