"""Street staff maintain categories on /appeals/categories/: defaults, closure condition and 7135 overrides."""

import pytest

from gongzhi.appeals.models import Category
from gongzhi.appeals.policy import policy_for
from gongzhi.core.models import AuditEvent
from tests import factories
from tests.conftest import MICRO_A

pytestmark = pytest.mark.django_db
LIST = "/appeals/categories/"


def edit_url(category):
    return f"/appeals/categories/{category.code}/"


def form(category, **changes):
    data = {
        "name": category.name,
        "default_tier": category.default_tier,
        "default_level": category.default_level,
        "closure_condition": category.closure_condition,
        "on_site": "on" if category.on_site else "",
        "is_active": "on" if category.is_active else "",
        "days_minor": "",
        "days_major": "",
        "days_hard": "",
        "day_unit": "",
        "arrival_minutes": "",
    }
    data.update(changes)
    # A browser leaves an unchecked checkbox out of the form.
    return {k: v for k, v in data.items() if not (k in ("on_site", "is_active") and not v)}


def test_street_staff_see_the_tree_with_each_subcategorys_policy(client, district, categories):
    client.force_login(district["street_staff"])
    html = client.get(LIST).content.decode()
    assert "环境卫生" in html and "垃圾堆放" in html and "房屋漏水" in html
    assert "现场清理干净并拍照" in html
    assert edit_url(categories["litter"]) in html


@pytest.mark.parametrize("persona", ["community_worker_a", "grid_worker_a", "microgrid_worker_a"])
def test_other_staff_may_not_maintain_categories(client, district, categories, persona):
    client.force_login(district[persona])
    assert client.get(LIST).status_code == 403
    litter = categories["litter"]
    response = client.post(edit_url(litter), form(litter, name="改名"))
    assert response.status_code == 403
    litter.refresh_from_db()
    assert litter.name == "垃圾堆放"


def test_a_resident_is_refused_and_an_anonymous_visitor_is_sent_to_log_in(client, district, categories, areas):
    assert client.get(LIST).status_code == 302
    client.force_login(factories.UserFactory(role="resident", at=areas[MICRO_A]))
    assert client.get(LIST).status_code == 403


def test_saving_changes_defaults_and_overrides_and_is_audited(client, district, categories):
    litter = categories["litter"]
    client.force_login(district["street_staff"])
    response = client.post(
        edit_url(litter),
        form(litter, default_tier="major", days_minor="2", day_unit="workday", arrival_minutes="15", on_site=""),
    )
    assert response.status_code == 302 and response["Location"] == LIST
    litter.refresh_from_db()
    assert litter.default_tier == "major"
    assert litter.on_site is False
    assert litter.policy_overrides == {"days": {"minor": 2}, "day_unit": "workday", "arrival_minutes": 15}
    effective = policy_for(litter)
    assert effective["days"]["minor"] == 2 and effective["day_unit"] == "workday"
    assert AuditEvent.objects.filter(action="appeals.category_update").count() == 1


def test_blank_override_fields_clear_the_overrides(client, district, categories):
    litter = categories["litter"]
    Category.objects.filter(pk=litter.pk).update(policy_overrides={"days": {"minor": 4}})
    litter.refresh_from_db()
    client.force_login(district["street_staff"])
    page = client.get(edit_url(litter)).content.decode()
    assert 'name="days_minor" value="4"' in page
    client.post(edit_url(litter), form(litter))
    litter.refresh_from_db()
    assert litter.policy_overrides == {}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"days_minor": "abc"}, "天数必须是整数"),
        ({"days_hard": "400"}, "1 到 365"),
        ({"arrival_minutes": "0"}, "1 到 1440"),
        ({"day_unit": "lunar"}, "day_unit"),
        ({"default_tier": "huge"}, "分级只能是"),
        ({"name": ""}, ""),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(client, district, categories, changes, message):
    litter = categories["litter"]
    client.force_login(district["street_staff"])
    response = client.post(edit_url(litter), form(litter, days_major="9", **changes))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'role="alert"' in html and message in html
    litter.refresh_from_db()
    assert litter.name == "垃圾堆放" and litter.default_tier == "minor" and litter.policy_overrides == {}
    assert not AuditEvent.objects.filter(action="appeals.category_update").exists()


def test_an_unknown_category_is_404(client, district, categories):
    client.force_login(district["street_staff"])
    assert client.get("/appeals/categories/no-such-thing/").status_code == 404
