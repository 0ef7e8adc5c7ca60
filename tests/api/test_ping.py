"""GET /api/v1/ping: the cheapest authenticated call (the benchmarks' yardstick for the API stack)."""

import pytest
from django.test import Client

from gongzhi.accounts.actions import api_token_issue
from tests.conftest import api_client_for, second_factor_proof

pytestmark = pytest.mark.django_db
URL = "/api/v1/ping"


def test_ping_answers_ok_with_a_token_and_401_without(district, client):
    assert api_client_for(district["resident_a"]).get(URL).json() == {"ok": True}
    assert client.get(URL).status_code == 401


def test_a_revoked_token_or_an_inactive_user_is_refused(district):
    # Revoked or deactivated before the token was ever checked: refused at once (tests/api/test_token_cache.py
    # has the check kept for up to a second).
    token, raw = api_token_issue(user=district["resident_a"], proof=second_factor_proof(district["resident_a"]))
    token.revoked_at = token.created_at
    token.save(update_fields=["revoked_at"])
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(URL).status_code == 401
    user = district["resident_b"]
    _token, raw = api_token_issue(user=user, proof=second_factor_proof(user))
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get(URL).status_code == 401
