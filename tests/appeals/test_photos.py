"""Photos: JPEG/PNG/WebP up to 10 MB by content; the public copy carries no EXIF/GPS."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongzhi.appeals.actions import appeal_photo_add, appeal_transition
from gongzhi.appeals.models import AppealPhoto
from gongzhi.appeals.photos import MAX_BYTES
from gongzhi.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (35.0, 54.0, 12.5), 3: "E", 4: (120.0, 6.0, 1.2)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_public_copy_has_no_location_or_camera_metadata_and_stands_upright(submit, duty):
    appeal = submit()
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    photo = appeal_photo_add(actor=duty["resident_a"], appeal=appeal, upload=upload(data))
    with photo.public.open("rb") as f:
        public = Image.open(io.BytesIO(f.read()))
        assert public.format == "JPEG"
        exif = public.getexif()
        assert not exif.get_ifd(GPS_IFD) and 0x010F not in exif and 0x0112 not in exif
        assert public.size == (48, 64)  # turned upright before the orientation tag was dropped
    with photo.original.open("rb") as f:
        assert f.read() == data  # staff keep the original


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted(submit, duty, fmt):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format=fmt)
    photo = appeal_photo_add(actor=duty["resident_a"], appeal=submit(), upload=upload(out.getvalue(), "x.bin"))
    assert photo.content_type == f"image/{fmt.lower()}"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4 not an image", b"GIF89a" + b"\x00" * 50, b"\xff\xd8\xff\xe0 truncated jpeg"],
    ids=["pdf", "gif", "broken-jpeg"],
)
def test_what_is_not_an_accepted_image_is_refused_whatever_its_name(submit, duty, data):
    appeal = submit()
    with pytest.raises(ValidationFailed) as info:
        appeal_photo_add(actor=duty["resident_a"], appeal=appeal, upload=upload(data, "photo.jpg"))
    assert info.value.field == "photo"
    assert AppealPhoto.objects.count() == 0


def test_a_photo_over_10_mb_is_refused(submit, duty):
    big = jpeg_with_gps() + b"\x00" * (MAX_BYTES + 1)
    with pytest.raises(ValidationFailed) as info:
        appeal_photo_add(actor=duty["resident_a"], appeal=submit(), upload=upload(big))
    assert "10 MB" in str(info.value.message)
    assert AppealPhoto.objects.count() == 0


def test_evidence_photos_come_from_workers_and_attach_to_the_handling_event(submit, duty):
    appeal = submit()
    with pytest.raises(PermissionDenied):
        appeal_photo_add(actor=duty["resident_a"], appeal=appeal, upload=upload(jpeg_with_gps()), kind="evidence")
    photo = appeal_photo_add(
        actor=duty["microgrid_worker_a"], appeal=appeal, upload=upload(jpeg_with_gps()), kind="evidence"
    )
    appeal_transition(actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="accept")
    appeal_transition(
        actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="handle", note="已清理", photo_ids=[photo.pk]
    )
    photo.refresh_from_db()
    assert photo.event.action == "handle"


def test_handling_with_an_unknown_photo_changes_nothing(submit, duty):
    appeal = submit()
    appeal_transition(actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="accept")
    with pytest.raises(ValidationFailed) as info:
        appeal_transition(
            actor=duty["microgrid_worker_a"], appeal=appeal.pk, action="handle", note="已清理", photo_ids=[999]
        )
    assert info.value.field == "photo_ids"
    appeal.refresh_from_db()
    assert appeal.state == "accepted" and not appeal.events.filter(action="handle").exists()
