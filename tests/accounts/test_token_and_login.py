"""API clients get a token with username (or phone) and password; wrong passwords are throttled."""

import json

import pytest
from django.test import Client, override_settings

from gongzhi.accounts.actions import user_create
from gongzhi.core.models import AuditEvent
from tests.conftest import second_factor_proof


def post_token(client, username, password):
    return client.post(
        "/api/v1/auth/token", json.dumps({"username": username, "password": password}), content_type="application/json"
    )


def test_a_token_from_username_and_password_authenticates_api_calls(district):
    # A grid worker needs no second factor (street staff do: tests/otp/test_tokens.py).
    client = Client()
    response = post_token(client, "grid_worker_a", "pass-1234")
    assert response.status_code == 201
    token = response.json()["token"]
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200
    assert me.json()["roles"][0] == {"role": "grid_worker", "role_label": "网格员", "area_code": "370211001001001"}


def test_login_by_phone_number(db):
    user_create(actor=None, username="wang", password="secret-pw-1", phone="138 0000 1111")
    response = post_token(Client(), "13800001111", "secret-pw-1")
    assert response.status_code == 201
    assert response.json()["user"] == "wang"


def test_a_wrong_password_is_401_with_a_clear_message_and_is_audited(district):
    response = post_token(Client(), "street_staff", "wrong")
    assert response.status_code == 401
    assert response.json()["detail"] == "用户名或密码错误"
    assert AuditEvent.objects.filter(action="auth.sign_in_failed", target_id="street_staff").count() == 1


def test_the_message_follows_the_users_language(district):
    from django.utils import translation

    with translation.override("en"):
        response = Client().post(
            "/api/v1/auth/token",
            json.dumps({"username": "street_staff", "password": "wrong"}),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong username or password"


@override_settings(LOGIN_MAX_FAILURES=3)
def test_repeated_failures_lock_the_name_even_with_the_right_password(district):
    client = Client()
    for _ in range(3):
        assert post_token(client, "street_staff", "wrong").status_code == 401
    locked = post_token(client, "street_staff", "pass-1234")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.json()["detail"]


def test_a_revoked_or_made_up_token_is_refused(district):
    from gongzhi.accounts.actions import api_token_issue, api_token_revoke

    user = district["street_staff"]
    token, raw = api_token_issue(user=user, proof=second_factor_proof(user))
    api_token_revoke(user=user, token=token)
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer gz_made_up").status_code == 401


def test_only_the_digest_of_a_token_is_stored(district):
    from gongzhi.accounts.actions import api_token_issue
    from gongzhi.accounts.models import ApiToken

    _token, raw = api_token_issue(user=district["street_staff"], proof=second_factor_proof(district["street_staff"]))
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert ApiToken.objects.filter(digest=ApiToken.digest_of(raw)).exists()


@pytest.mark.parametrize("body", [{}, {"username": "x"}, {"password": "y"}, {"username": 1, "password": []}])
def test_malformed_token_requests_are_422(db, body):
    response = Client().post("/api/v1/auth/token", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
