"""Two-factor sign-in per persona: who must use it, enrolment, verification, wrong/replayed codes, the rate limit,
recovery codes, the admin's reset, tokens after the second step, expiry and revocation, the staff idle limit."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.test import Client, override_settings

from gongzhi.accounts import otp, totp
from gongzhi.accounts.actions import api_token_issue
from gongzhi.accounts.models import ApiToken, RecoveryCode, TotpDevice
from gongzhi.accounts.otp_actions import SecondFactorRequired, otp_enrol_confirm, otp_enrol_start
from gongzhi.core import clock, pii
from gongzhi.core.models import AuditEvent
from tests.conftest import second_factor_proof

PASSWORD = "pass-1234"
START = dt.datetime(2026, 12, 7, 9, 0, 0, tzinfo=dt.UTC)


# ------------------------------------------------------------------------------------------------ RFC 6238


@pytest.mark.parametrize(
    ("unix", "digest", "key", "code"),
    [
        (59, "sha1", b"12345678901234567890", "94287082"),
        (1111111109, "sha1", b"12345678901234567890", "07081804"),
        (1234567890, "sha1", b"12345678901234567890", "89005924"),
        (20000000000, "sha1", b"12345678901234567890", "65353130"),
        (59, "sha256", b"12345678901234567890123456789012", "46119246"),
        (1111111111, "sha256", b"12345678901234567890123456789012", "67062674"),
        (59, "sha512", b"1234567890123456789012345678901234567890123456789012345678901234", "90693936"),
        (2000000000, "sha512", b"1234567890123456789012345678901234567890123456789012345678901234", "38618901"),
    ],
)
def test_the_codes_are_those_of_rfc_6238_appendix_b(unix, digest, key, code):
    assert totp.hotp(key, unix // 30, digits=8, digest=digest) == code


def test_a_code_is_accepted_within_one_step_of_drift_and_never_at_or_before_the_last_step():
    secret = totp.new_secret()
    now = 1_800_000_000
    code = totp.code_at(secret, now)
    assert totp.matching_step(secret, code, now + 30) == now // 30
    assert totp.matching_step(secret, code, now + 90) is None
    assert totp.matching_step(secret, code, now, after=now // 30) is None
    assert totp.matching_step(secret, "12a456", now) is None


# ------------------------------------------------------------------------------------------------ who must


@pytest.mark.parametrize(
    ("persona", "needed"),
    [
        ("admin", True),
        ("superuser", True),
        ("street_staff", True),  # street reach, unmasks
        ("community_worker_a", True),  # unmasks personal data, reads care records
        ("department", True),  # a role at street level
        ("partner", True),  # a role at street level
        ("grid_worker_a", False),
        ("microgrid_worker_a", False),
        ("party_member_a", False),
        ("volunteer_a", False),
        ("resident_a", False),
    ],
)
def test_the_second_factor_is_required_of_roles_that_unmask_read_care_or_reach_a_street(district, persona, needed):
    assert otp.required(district[persona]) is needed


def test_a_child_director_must_use_it(district, areas):
    from tests import factories

    director = factories.UserFactory(username="director", role="child_director", at=areas["370211001001"])
    assert otp.required(director)


@override_settings(OTP_REQUIRED_RULES=[], OTP_REQUIRED_ROLES=[], OTP_REQUIRED_REACH="")
def test_the_policy_is_configurable(district):
    assert not otp.required(district["community_worker_a"])
    assert otp.required(district["superuser"])  # Django-admin access always


# ------------------------------------------------------------------------------------------------ helpers


def password_login(username, next_url=""):
    client = Client()
    response = client.post(f"/login/{next_url}", {"username": username, "password": PASSWORD})
    return client, response


def enrol_through_the_page(client):
    page = client.get("/account/2fa/")
    assert page.status_code == 200
    secret = re.search(r'data-otp-secret="([A-Z2-7]+)"', page.content.decode()).group(1)
    response = client.post("/account/2fa/", {"code": totp.code_at(secret, clock.now().timestamp()), "next": "/"})
    assert response.status_code == 200, response.content.decode()
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", response.content.decode())
    return secret, codes


def enrolled(user):
    enrolment = otp_enrol_start(user=user)
    codes = otp_enrol_confirm(user=user, code=totp.code_at(enrolment.secret, clock.now().timestamp()))
    return enrolment.secret, codes


# ------------------------------------------------------------------------------------------------ pages


def test_a_required_user_is_sent_from_the_password_to_enrolment_and_cannot_go_elsewhere(district):
    client, response = password_login("community_worker_a", "?next=/areas/")
    assert response.status_code == 302 and response["Location"].startswith("/account/2fa/?next=")
    assert client.get("/areas/")["Location"].startswith("/account/2fa/")
    api = client.get("/api/v1/auth/me")
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"
    page = client.get("/account/2fa/").content.decode()
    assert "<svg" in page and "data-otp-secret" in page


def test_enrolment_shows_ten_recovery_codes_once_and_stores_only_their_digests(district):
    client, _ = password_login("street_staff")
    with time_machine.travel(START, tick=False):
        _secret, codes = enrol_through_the_page(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = set(RecoveryCode.objects.filter(user=district["street_staff"]).values_list("digest", flat=True))
    assert stored == {totp.recovery_digest(c) for c in codes} and not stored & set(codes)
    assert client.get("/").status_code == 200  # now past the second step
    secret_row = TotpDevice.objects.get(user=district["street_staff"])
    assert pii.decrypt(secret_row.secret_encrypted) == _secret and _secret not in secret_row.secret_encrypted
    assert AuditEvent.objects.filter(action="otp.enrol", target_id=str(district["street_staff"].pk)).exists()


def test_an_enrolled_user_types_the_code_at_sign_in_and_a_replayed_code_is_refused(district):
    user = district["street_staff"]
    with time_machine.travel(START, tick=False):
        secret, _codes = enrolled(user)
    with time_machine.travel(START + dt.timedelta(minutes=5), tick=False):
        code = totp.code_at(secret, clock.now().timestamp())
        client, _ = password_login("street_staff")
        ok = client.post("/account/2fa/", {"code": code, "next": "/areas/"})
        assert ok.status_code == 302 and ok["Location"] == "/areas/"
        other, _ = password_login("street_staff")
        replay = other.post("/account/2fa/", {"code": code})
        assert replay.status_code == 401
        assert "已经用过" in replay.content.decode()
        assert other.get("/areas/").status_code == 302  # still owes the second step


def test_a_wrong_code_is_refused_and_changes_nothing_but_the_count(district):
    user = district["street_staff"]
    with time_machine.travel(START, tick=False):
        enrolled(user)
        before = TotpDevice.objects.get(user=user).last_step
        client, _ = password_login("street_staff")
        response = client.post("/account/2fa/", {"code": "000000"})
    assert response.status_code == 401 and "验证码不正确" in response.content.decode()
    device = TotpDevice.objects.get(user=user)
    assert device.last_step == before and device.failures == 1


@override_settings(OTP_MAX_FAILURES=3, OTP_LOCK_SECONDS=600)
def test_wrong_codes_lock_the_second_step_even_for_the_right_code_then_it_opens_again(district):
    user = district["street_staff"]
    with time_machine.travel(START, tick=False):
        secret, _ = enrolled(user)
    with time_machine.travel(START + dt.timedelta(minutes=2), tick=False):
        client, _ = password_login("street_staff")
        for _i in range(2):
            assert client.post("/account/2fa/", {"code": "111111"}).status_code == 401
        locked = client.post("/account/2fa/", {"code": "111111"})
        assert locked.status_code == 429 and "错误次数过多" in locked.content.decode()
        right = client.post("/account/2fa/", {"code": totp.code_at(secret, clock.now().timestamp())})
        assert right.status_code == 429
        assert TotpDevice.objects.get(user=user).last_step != totp.step_at(clock.now().timestamp())
    with time_machine.travel(START + dt.timedelta(minutes=13), tick=False):
        right = client.post("/account/2fa/", {"code": totp.code_at(secret, clock.now().timestamp())})
        assert right.status_code == 302


def test_the_lock_message_is_in_english_for_english_users(district):
    user = district["street_staff"]
    with time_machine.travel(START, tick=False):
        enrolled(user)
        client, _ = password_login("street_staff")
        client.cookies["django_language"] = "en"
        with override_settings(OTP_MAX_FAILURES=1):
            response = client.post("/account/2fa/", {"code": "111111"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429 and "Too many wrong codes" in response.content.decode()


def test_a_recovery_code_works_once(district):
    user = district["street_staff"]
    with time_machine.travel(START, tick=False):
        _secret, codes = enrolled(user)
        client, _ = password_login("street_staff")
        assert client.post("/account/2fa/", {"code": codes[0].upper()})["Location"] == "/"
        again, _ = password_login("street_staff")
        assert again.post("/account/2fa/", {"code": codes[0]}).status_code == 401
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=False).count() == 1
    assert AuditEvent.objects.filter(action="otp.recovery_used").count() == 1


def test_an_optional_user_may_turn_it_on_and_then_must_use_it(district):
    client, response = password_login("grid_worker_a")
    assert response["Location"] == "/"
    with time_machine.travel(START, tick=False):
        enrol_through_the_page(client)
    _, again = password_login("grid_worker_a")
    assert again["Location"].startswith("/account/2fa/")


# ------------------------------------------------------------------------------------------------ admin reset


def test_an_admin_resets_a_lost_device_with_a_reason_and_it_is_audited(district):
    user = district["street_staff"]
    enrolled(user)
    admin = Client()
    admin.force_login(district["admin"])
    missing = admin.post("/account/otp-reset/", {"username": "street_staff", "reason": " "})
    assert missing.status_code == 422 and TotpDevice.objects.filter(user=user).exists()
    response = admin.post("/account/otp-reset/", {"username": "street_staff", "reason": "手机丢失，已电话核实"})
    assert response.status_code == 200
    assert not TotpDevice.objects.filter(user=user).exists() and not RecoveryCode.objects.filter(user=user).exists()
    event = AuditEvent.objects.get(action="otp.reset")
    assert event.actor == district["admin"] and event.data["reason"] == "手机丢失，已电话核实"
    _, login = password_login("street_staff")
    assert login["Location"].startswith("/account/2fa/")  # enrols again


def test_only_an_admin_may_reset_and_nothing_changes_otherwise(district):
    enrolled(district["community_worker_a"])
    staff = Client()
    staff.force_login(district["street_staff"])
    assert staff.post("/account/otp-reset/", {"username": "community_worker_a", "reason": "x"}).status_code == 403
    api = Client()
    api.force_login(district["street_staff"])
    refused = api.post(
        "/api/v1/auth/users/community_worker_a/otp/reset", json.dumps({"reason": "x"}), content_type="application/json"
    )
    assert refused.status_code == 403
    assert TotpDevice.objects.filter(user=district["community_worker_a"]).exists()
    assert not AuditEvent.objects.filter(action="otp.reset").exists()


# ------------------------------------------------------------------------------------------------ tokens


def post_token(body):
    return Client().post("/api/v1/auth/token", json.dumps(body), content_type="application/json")


def test_a_token_for_a_required_user_needs_the_code(district):
    user = district["street_staff"]
    not_enrolled = post_token({"username": "street_staff", "password": PASSWORD})
    assert not_enrolled.status_code == 401 and not_enrolled.json()["code"] == "second_factor_required"
    with time_machine.travel(START, tick=False):
        secret, _ = enrolled(user)
    with time_machine.travel(START + dt.timedelta(minutes=1), tick=False):
        without = post_token({"username": "street_staff", "password": PASSWORD})
        assert without.status_code == 401 and without.json()["field"] == "otp"
        wrong = post_token({"username": "street_staff", "password": PASSWORD, "otp": "000000"})
        assert wrong.status_code == 401
        assert not ApiToken.objects.filter(user=user).exists()
        body = {"username": "street_staff", "password": PASSWORD, "otp": totp.code_at(secret, clock.now().timestamp())}
        ok = post_token(body | {"expires_in_days": 7})
        assert ok.status_code == 201
        assert ApiToken.objects.get(user=user).expires_at == clock.now() + dt.timedelta(days=7)
        assert post_token(body).status_code == 401  # the same code again is a replay


def test_the_action_refuses_a_token_without_a_proof(district):
    with pytest.raises(SecondFactorRequired):
        api_token_issue(user=district["community_worker_a"])
    with pytest.raises(SecondFactorRequired):
        api_token_issue(user=district["community_worker_a"], proof=second_factor_proof(district["street_staff"]))
    token, _raw = api_token_issue(user=district["resident_a"])  # optional and not enrolled
    assert token.expires_at > clock.now()


def test_a_token_expires(district):
    with time_machine.travel(START, tick=False):
        _token, raw = api_token_issue(user=district["resident_a"], days=1)
        assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    with time_machine.travel(START + dt.timedelta(days=1, seconds=1), tick=False):
        assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


@pytest.mark.parametrize("days", [0, 31, -1])
def test_an_expiry_outside_the_limit_is_refused(district, days):
    response = post_token({"username": "resident_a", "password": PASSWORD, "expires_in_days": days})
    assert response.status_code == 422 and response.json()["field"] == "expires_in_days"
    assert not ApiToken.objects.exists()


def test_the_owner_lists_creates_and_revokes_tokens_on_the_page_and_through_the_api(district):
    user = district["street_staff"]
    client = Client()
    client.force_login(user)  # a session past the second step
    created = client.post("/account/tokens/", {"name": "手机", "days": "10"})
    assert created.status_code == 201
    raw = re.search(r"data-new-token>(gz_[^<]+)<", created.content.decode()).group(1)
    listed = client.get("/api/v1/auth/tokens").json()
    assert [t["name"] for t in listed] == ["手机"] and listed[0]["active"]
    other = Client()
    other.force_login(district["community_worker_a"])
    assert other.delete(f"/api/v1/auth/tokens/{listed[0]['id']}").status_code == 404  # not theirs
    assert client.delete(f"/api/v1/auth/tokens/{listed[0]['id']}").status_code == 204
    assert Client().get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    assert "已吊销" in client.get("/account/tokens/").content.decode()


def test_a_password_only_session_cannot_create_a_token(district):
    client, _ = password_login("street_staff")
    response = client.post("/account/tokens/", {"name": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/account/2fa/")
    assert not ApiToken.objects.exists()


# ------------------------------------------------------------------------------------------------ idle limit


@override_settings(SESSION_IDLE_MINUTES=30)
def test_a_staff_session_ends_after_the_idle_time_and_a_residents_does_not(district):
    with time_machine.travel(START, tick=False):
        staff = Client()
        staff.force_login(district["grid_worker_a"])
        resident = Client()
        resident.force_login(district["resident_a"])
        assert staff.get("/").status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=20), tick=False):
        assert staff.get("/").status_code == 200  # activity keeps it alive
    with time_machine.travel(START + dt.timedelta(minutes=45), tick=False):
        assert staff.get("/").status_code == 200
    with time_machine.travel(START + dt.timedelta(minutes=76), tick=False):
        response = staff.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/login/")
        assert staff.get("/api/v1/auth/me").status_code == 401
        assert resident.get("/").status_code == 200


# ------------------------------------------------------------------------------------------------ demo


def test_totp_code_prints_the_current_code_of_the_demo_key():
    from io import StringIO

    from django.core.management import call_command

    from gongzhi.people.demo.logins import DEMO_TOTP_SECRET

    out = StringIO()
    with time_machine.travel(START, tick=False):
        call_command("totp_code", stdout=out)
        assert out.getvalue().startswith(totp.code_at(DEMO_TOTP_SECRET, START.timestamp()))


def test_a_preset_key_is_refused_in_production(district):
    from gongzhi.accounts.otp_actions import otp_enrol_known_secret
    from gongzhi.core.errors import PermissionDenied

    with override_settings(PRODUCTION=True), pytest.raises(PermissionDenied):
        otp_enrol_known_secret(actor=None, user=district["street_staff"], secret=totp.new_secret())
    assert not TotpDevice.objects.exists()
