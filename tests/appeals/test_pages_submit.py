"""/appeals/new/: the resident's submit page, its field errors and its one-time token."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongzhi.appeals.models import Appeal, AppealEvent, AppealPhoto
from gongzhi.appeals.photos import MAX_BYTES
from tests.appeals.pages_helpers import client_for, form, image_file
from tests.conftest import MICRO_A

pytestmark = pytest.mark.django_db
URL = "/appeals/new/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_page_offers_text_category_map_photos_and_a_fresh_token(duty, categories):
    c = client_for(duty["resident_a"])
    body = c.get(URL).content.decode()
    for needle in ('name="description"', 'name="category"', 'id="appeal-map"', 'name="photos"', "使用我的位置"):
        assert needle in body
    assert categories["litter"].code in body and "appeal-map-data" in body
    token = body.split('name="token" value="')[1].split('"')[0]
    assert len(token) == 32 and token not in c.get(URL).content.decode()


def test_submit_with_category_and_photo_dispatches_and_redirects_to_the_detail(duty, areas, categories):
    c = client_for(duty["resident_a"])
    data = form(areas[MICRO_A], category=categories["litter"].code, is_public="on", contact_phone="13812345678")
    data["photos"] = [image_file(), image_file("b.png", "PNG")]
    r = c.post(URL, data)
    appeal = Appeal.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/appeals/{appeal.pk}/"
    assert appeal.state == "dispatched" and appeal.area_code == MICRO_A and appeal.channel == "resident_web"
    assert appeal.reporter == duty["resident_a"] and appeal.is_public and appeal.assignee == duty["microgrid_worker_a"]
    assert AppealPhoto.objects.filter(appeal=appeal, kind="report").count() == 2
    page = c.get(r["Location"]).content.decode()
    assert appeal.number in page and "诉求已提交" in page and page.count("/appeals/photos/") >= 2


def test_without_category_it_waits_for_registration(duty, areas, categories):
    c = client_for(duty["resident_a"])
    assert c.post(URL, form(areas[MICRO_A])).status_code == 302
    assert Appeal.objects.get().state == "reported"


def test_double_submit_returns_the_same_appeal(duty, areas, categories):
    c = client_for(duty["resident_a"])
    data = form(areas[MICRO_A], category=categories["litter"].code)
    first = c.post(URL, data)
    second = c.post(URL, data)
    assert first["Location"] == second["Location"]
    assert Appeal.objects.count() == 1 and AppealEvent.objects.filter(action="submit").count() == 1
    assert "已提交过" in c.get(second["Location"]).content.decode()


def test_the_same_token_of_another_user_is_their_own(duty, areas, categories):
    data = form(areas[MICRO_A])
    client_for(duty["resident_a"]).post(URL, data)
    client_for(duty["resident_b"]).post(URL, data)
    assert Appeal.objects.count() == 2


def _errors(r, field_text):
    assert r.status_code == 422
    body = r.content.decode()
    assert field_text in body, body
    assert Appeal.objects.count() == 0 and AppealPhoto.objects.count() == 0
    return body


def test_missing_text(duty, areas, categories):
    r = client_for(duty["resident_a"]).post(URL, form(areas[MICRO_A], description="   "))
    body = _errors(r, "请描述您要反映的问题")
    assert 'id="err-description"' in body


def test_missing_location(duty, areas, categories):
    r = client_for(duty["resident_a"]).post(URL, form(areas[MICRO_A], lat="", lng=""))
    _errors(r, 'id="err-location"')


def test_location_outside_every_area(duty, areas, categories):
    r = client_for(duty["resident_a"]).post(URL, form(areas[MICRO_A], lat="10.0", lng="10.0"))
    body = _errors(r, "该位置不在任何网格内")
    assert 'id="err-location"' in body


def test_location_not_a_number(duty, areas, categories):
    _errors(client_for(duty["resident_a"]).post(URL, form(areas[MICRO_A], lat="abc")), "位置坐标不是有效的数字")


def test_unknown_category(duty, areas, categories):
    _errors(client_for(duty["resident_a"]).post(URL, form(areas[MICRO_A], category="nope")), "未知的诉求分类")


def test_bad_phone(duty, areas, categories):
    _errors(
        client_for(duty["resident_a"]).post(URL, form(areas[MICRO_A], contact_phone="12ab")), 'id="err-contact_phone"'
    )


def test_non_image_photo(duty, areas, categories):
    data = form(areas[MICRO_A])
    data["photos"] = [image_file(), SimpleUploadedFile("notes.jpg", b"%PDF-1.4 not an image", "image/jpeg")]
    body = _errors(client_for(duty["resident_a"]).post(URL, data), "不是有效的图片")
    assert "notes.jpg" in body and 'id="err-photos"' in body


def test_gif_is_refused(duty, areas, categories):
    data = form(areas[MICRO_A])
    data["photos"] = [image_file("a.gif", "GIF")]
    _errors(client_for(duty["resident_a"]).post(URL, data), "JPEG、PNG 或 WebP")


def test_too_large_photo(duty, areas, categories):
    data = form(areas[MICRO_A])
    data["photos"] = [SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * MAX_BYTES, "image/jpeg")]
    _errors(client_for(duty["resident_a"]).post(URL, data), "超过 10 MB")


def test_only_one_coordinate_is_no_pin(duty, areas, categories):
    body = _errors(client_for(duty["resident_a"]).post(URL, form(areas[MICRO_A], lng="")), 'id="err-location"')
    assert "请在地图上点选位置" in body


def test_infinite_coordinates_are_not_numbers(duty, areas, categories):
    _errors(
        client_for(duty["resident_a"]).post(URL, form(areas[MICRO_A], lat="inf", lng="nan")), "位置坐标不是有效的数字"
    )


def test_each_field_gets_its_own_error_at_once(duty, areas, categories):
    """Parsed by the form: every field's error shows next to it, not only the first one."""
    data = form(areas[MICRO_A], description="", lat="abc", address="长" * 201, contact_name="名" * 33)
    body = _errors(client_for(duty["resident_a"]).post(URL, data), 'id="err-description"')
    assert 'id="err-location"' in body and "位置坐标不是有效的数字" in body
    assert body.count('class="field-error"') == 4, body
    assert "201" in body  # the length rule names the length typed


def test_the_field_errors_are_in_english_for_an_english_reader(duty, areas, categories):
    c = client_for(duty["resident_a"])
    c.post("/i18n/setlang/", {"language": "en", "next": "/"})
    data = form(areas[MICRO_A], description=" ", lat="x", address="长" * 201)
    body = _errors(c.post(URL, data), "Please describe the problem")
    assert "The location&#x27;s coordinates are not valid numbers" in body
    assert "Ensure this value has at most 200 characters (it has 201)." in body


def test_a_failed_submit_keeps_the_values_and_the_token_works_once_fixed(duty, areas, categories):
    c = client_for(duty["resident_a"])
    data = form(areas[MICRO_A], description="", address="西门口")
    body = c.post(URL, data).content.decode()
    assert "西门口" in body and data["token"] in body
    data["description"] = "西门口井盖丢了"
    assert c.post(URL, data).status_code == 302
    assert Appeal.objects.get().description == "西门口井盖丢了"


def test_bad_token(duty, areas, categories):
    _errors(client_for(duty["resident_a"]).post(URL, form(areas[MICRO_A], token="x")), "表单已失效")


def test_anonymous_is_sent_to_sign_in(db):
    from django.test import Client

    r = Client().get(URL)
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_category_suggestion_partial(duty):
    from gongzhi.appeals.management.commands.seed_categories import categories_seed

    categories_seed()
    c = client_for(duty["resident_a"])
    r = c.get("/appeals/new/suggest/", {"description": "小区垃圾桶满了，垃圾清运不及时，好几天没人来收"})
    assert r.status_code == 200 and 'data-category="sanitation-garbage"' in r.content.decode()
    assert r.content.decode().count("data-category=") == 3
    assert c.get("/appeals/new/suggest/", {"description": "垃圾"}).content.decode().strip() == ""
