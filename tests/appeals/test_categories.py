"""Categories: street staff edit defaults and 7135 overrides; everyone signed in reads the tree and suggestions."""

import json

import pytest

from gongzhi.appeals.actions import category_update
from gongzhi.appeals.models import Category
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.models import AuditEvent
from tests.conftest import api_client_for

pytestmark = pytest.mark.django_db


def test_street_staff_edit_a_category_and_it_is_audited(duty, categories):
    litter = category_update(
        actor=duty["street_staff"],
        category=categories["litter"],
        default_tier="major",
        policy_overrides={"days": {"major": 2}, "day_unit": "workday"},
    )
    assert litter.default_tier == "major" and litter.policy_overrides["days"] == {"major": 2}
    assert AuditEvent.objects.filter(action="appeals.category_update", target_id=str(litter.pk)).exists()


@pytest.mark.parametrize("persona", ["community_worker_a", "grid_worker_a", "resident_a", "department"])
def test_others_may_not_edit_categories(duty, categories, persona):
    with pytest.raises(PermissionDenied):
        category_update(actor=duty[persona], category=categories["litter"], default_tier="hard")
    assert Category.objects.get(code="env-litter").default_tier == "minor"


@pytest.mark.parametrize(
    "changes",
    [
        {"default_tier": "huge"},
        {"policy_overrides": {"days": {"minor": 0}}},
        {"policy_overrides": {"hours": 3}},
        {"policy_overrides": {"day_unit": "lunar"}},
        {"code": "renamed"},
    ],
)
def test_bad_category_changes_are_refused_and_change_nothing(duty, categories, changes):
    with pytest.raises(ValidationFailed):
        category_update(actor=duty["street_staff"], category=categories["litter"], **changes)
    fresh = Category.objects.get(code="env-litter")
    assert (fresh.default_tier, fresh.policy_overrides) == ("minor", {})


def test_the_category_api(duty, categories):
    resident = api_client_for(duty["resident_a"])
    tree = resident.get("/api/v1/appeals/categories").json()
    assert {"env", "env-litter"} <= {c["code"] for c in tree}
    assert (
        resident.patch(
            "/api/v1/appeals/categories/env-litter", json.dumps({"on_site": False}), content_type="application/json"
        ).status_code
        == 403
    )
    street = api_client_for(duty["street_staff"])
    response = street.patch(
        "/api/v1/appeals/categories/env-litter", json.dumps({"on_site": False}), content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["on_site"] is False
    assert street.patch("/api/v1/appeals/categories/nope", "{}", content_type="application/json").status_code == 404


def test_suggestions_only_name_active_categories(duty):
    from django.core.management import call_command

    call_command("seed_categories", verbosity=0)
    client = api_client_for(duty["resident_a"])
    response = client.get("/api/v1/appeals/categories/suggest", {"text": "楼上漏水把我家天花板泡坏了"})
    assert response.status_code == 200
    suggestions = response.json()
    assert suggestions and all(Category.objects.filter(code=s["code"], is_active=True).exists() for s in suggestions)
