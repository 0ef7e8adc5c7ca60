"""The template editor page: saving publishes the next version with the API's action and rule
(`inspections.configure`); the form round-trips every item (kinds, choices, conditions, appeal categories); bad input
names the row and field and publishes nothing; a second tap on "publish" (or a colleague's edit since) is refused."""

import re

import pytest
from django.test import Client

from gongzhi.core.models import AuditEvent
from gongzhi.inspections.models import ChecklistTemplate
from tests.conftest import api_client_for
from tests.test_i18n import english_catalogue  # noqa: F401

URL = "/inspections/templates/food_safety/edit/"


def _client(user, **extra):
    client = Client(**extra)
    client.force_login(user)
    return client


def _form(page: str) -> dict:
    """The form as the browser would send it unchanged: inputs, checked boxes, selected options."""
    data: dict = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrfmiddlewaretoken":
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                data.setdefault(name.group(1), []).append(value.group(1) if value else "on")
        else:
            data[name.group(1)] = value.group(1) if value else ""
    for name, body in re.findall(r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        selected = re.search(r'<option value="([^"]*)" selected>', body) or re.search(r'<option value="([^"]*)"', body)
        data[name] = selected.group(1) if selected else ""
    return {k: (v[0] if isinstance(v, list) and len(v) == 1 and k != "place_kinds" else v) for k, v in data.items()}


def _versions():
    return ChecklistTemplate.objects.filter(code="food_safety").count()


def test_saving_publishes_the_next_version_and_keeps_every_item(district, templates):
    v1 = templates["food_safety"]
    client = _client(district["street_staff"])
    form = _form(client.get(URL).content.decode())
    assert form["base_version"] == "1" and form["rows"] == str(v1.items.count() + 3)
    form["frequency_days"] = "14"
    new = v1.items.count()  # the first blank row
    form[f"item-{new}-key"] = "gloves"
    form[f"item-{new}-text"] = "操作人员佩戴手套口罩"
    form[f"item-{new}-kind"] = "choice"
    form[f"item-{new}-choices"] = "齐全 | 部分 | 没有"
    form[f"item-{new}-condition"] = "dates=fail"
    form[f"item-{new}-severity"] = "2"
    response = client.post(URL, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    v2 = ChecklistTemplate.objects.get(code="food_safety", is_current=True)
    v1.refresh_from_db()
    assert v2.version == 2 and not v1.is_current and v2.frequency_days == 14
    old = [(i.key, i.text, i.kind, i.required, i.choices, i.condition, i.severity, i.appeal_category)
           for i in v1.items.all()]  # fmt: skip
    now = [(i.key, i.text, i.kind, i.required, i.choices, i.condition, i.severity, i.appeal_category)
           for i in v2.items.all()]  # fmt: skip
    assert now[:-1] == old
    assert now[-1] == ("gloves", "操作人员佩戴手套口罩", "choice", True, ["齐全", "部分", "没有"],
                       {"item": "dates", "result": "fail"}, 2, "")  # fmt: skip
    assert AuditEvent.objects.filter(action="inspections.template.publish", target_id=str(v2.pk)).exists()


def test_a_second_publish_from_the_same_form_is_refused(district, templates):
    client = _client(district["street_staff"])
    form = _form(client.get(URL).content.decode())
    form["frequency_days"] = "20"
    assert client.post(URL, form).status_code == 302
    again = client.post(URL, form)
    assert (
        again.status_code == 200
        and "v2" in again.content.decode()
        and 'data-field="base_version"' in again.content.decode()
    )
    assert _versions() == 2


def test_an_unchanged_form_publishes_nothing(district, templates):
    client = _client(district["street_staff"])
    response = client.post(URL, _form(client.get(URL).content.decode()))
    assert response.status_code == 200 and 'data-field="items"' in response.content.decode()
    assert _versions() == 1


def test_deleting_and_reordering_items(district, templates):
    client = _client(district["street_staff"])
    form = _form(client.get(URL).content.decode())
    keys = [form[f"item-{i}-key"] for i in range(templates["food_safety"].items.count())]
    form["item-0-delete"] = "on"
    form["item-1-order"] = "99"
    assert client.post(URL, form).status_code == 302
    v2 = ChecklistTemplate.objects.get(code="food_safety", is_current=True)
    got = [i.key for i in v2.items.all()]
    assert keys[0] not in got and got[-1] == keys[1]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"item-0-key": "Bad Key"}, "items[0].key"),
        ({"item-1-key": "__copy0__"}, "items[1].key"),  # the key of row 0: a duplicate
        ({"item-0-text": ""}, "items[0].text"),
        ({"item-0-kind": "essay"}, "items[0].kind"),
        ({"item-0-severity": "9"}, "items[0].severity"),
        ({"item-0-kind": "choice", "item-0-choices": "只有一个"}, "items[0].choices"),
        ({"item-0-condition": "nothing=fail"}, "items[0].condition"),
        ({"item-0-appeal_category": "no-such"}, "items[0].appeal_category"),
        ({"frequency_days": "abc"}, "frequency_days"),
        ({"frequency_days": ""}, "frequency_days"),
        ({"name": ""}, "name"),
        ({"place_kinds": []}, "place_kinds"),
        ({"base_version": "x"}, "base_version"),
    ],
)
def test_bad_input_names_the_field_and_publishes_nothing(district, templates, change, field):
    published = AuditEvent.objects.filter(action="inspections.template.publish").count()
    client = _client(district["street_staff"])
    form = _form(client.get(URL).content.decode())
    change = {k: (form["item-0-key"] if v == "__copy0__" else v) for k, v in change.items()}
    form.update(change)
    if change.get("place_kinds") == []:
        form.pop("place_kinds")
    response = client.post(URL, form)
    page = response.content.decode()
    assert response.status_code == 200 and f'data-field="{field}"' in page, re.findall(r'role="alert".*', page)
    if field.startswith("items[0]"):
        assert 'class="card has-error" data-row="0"' in page
    assert _versions() == 1 and AuditEvent.objects.filter(action="inspections.template.publish").count() == published


@pytest.mark.parametrize("persona", ["community_worker_a", "grid_worker_a", "resident_a"])
def test_only_inspections_configure_edits_templates(district, templates, persona):
    client = _client(district[persona])
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"name": "x"}).status_code == 403
    assert _versions() == 1
    listing = client.get("/inspections/templates/")
    if listing.status_code == 200:
        assert URL not in listing.content.decode()


def test_the_list_links_the_editor_for_street_staff_and_unknown_codes_are_not_found(district, templates):
    client = _client(district["street_staff"])
    assert URL in client.get("/inspections/templates/").content.decode()
    assert client.get("/inspections/templates/nothing/edit/").status_code == 404


def test_the_api_takes_the_same_base_version(district, templates):
    v1 = templates["food_safety"]
    body = {"code": "food_safety", "name": v1.name, "committee": v1.committee, "place_kinds": v1.place_kinds,
            "frequency_days": 21, "items": [{"key": "licence", "text": "亮证经营", "kind": "yes_no"}],
            "base_version": 1}  # fmt: skip
    client = api_client_for(district["street_staff"])
    assert client.post("/api/v1/inspections/templates", body, content_type="application/json").status_code == 201
    again = client.post("/api/v1/inspections/templates", body, content_type="application/json")
    assert again.status_code == 409 and again.json()["field"] == "base_version"
    assert _versions() == 2


def test_errors_are_in_the_users_language(district, templates, english_catalogue):  # noqa: F811
    client = _client(district["street_staff"], HTTP_ACCEPT_LANGUAGE="en")
    form = _form(client.get(URL).content.decode())
    page = client.post(URL, form).content.decode()
    assert 'data-field="items"' in page and "完全相同" not in page
