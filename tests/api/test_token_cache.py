"""A token's check is kept in the process for at most a second (gongzhi.accounts.auth.TOKEN_CACHE_SECONDS).

Within it a client's calls skip the database; after it a revoked token, a deactivated user or a removed
membership is refused. The changes below are made in the database directly, as another process would make them;
the clock is moved with time-machine.
"""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gongzhi.accounts import auth
from gongzhi.accounts.actions import api_token_issue, api_token_revoke
from gongzhi.accounts.models import ApiToken, Membership
from tests.conftest import MICRO_A, second_factor_proof

pytestmark = pytest.mark.django_db
PING = "/api/v1/ping"
T0 = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
WITHIN = dt.timedelta(seconds=auth.TOKEN_CACHE_SECONDS)


def caller_for(user):
    token, raw = api_token_issue(user=user, proof=second_factor_proof(user))
    return token, Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_checked_token_is_reused_without_a_statement_for_up_to_a_second(district):
    _token, caller = caller_for(district["resident_a"])
    with time_machine.travel(T0, tick=False) as clock:
        assert caller.get(PING).status_code == 200  # checked, and last_used_at written
        clock.shift(WITHIN * 0.9)
        with CaptureQueriesContext(connection) as ctx:
            assert caller.get(PING).status_code == 200
        assert ctx.captured_queries == []
        clock.shift(WITHIN * 0.2)
        with CaptureQueriesContext(connection) as ctx:
            assert caller.get(PING).status_code == 200
        assert len(ctx.captured_queries) == 1  # checked again


def test_a_token_revoked_elsewhere_stops_working_within_a_second(district):
    token, caller = caller_for(district["resident_a"])
    with time_machine.travel(T0, tick=False) as clock:
        assert caller.get(PING).status_code == 200
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=T0)  # another process revokes it
        clock.shift(WITHIN)
        assert caller.get(PING).status_code == 401
        clock.shift(WITHIN * 5)
        assert caller.get(PING).status_code == 401


def test_a_token_revoked_in_this_process_stops_at_once(district):
    user = district["resident_a"]
    token, caller = caller_for(user)
    with time_machine.travel(T0, tick=False):
        assert caller.get(PING).status_code == 200
        api_token_revoke(user=user, token=token)
        assert caller.get(PING).status_code == 401


def test_a_deactivated_user_is_refused_within_a_second(district):
    user = district["resident_a"]
    _token, caller = caller_for(user)
    with time_machine.travel(T0, tick=False) as clock:
        assert caller.get(PING).status_code == 200
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        clock.shift(WITHIN)
        assert caller.get(PING).status_code == 401


def test_a_removed_membership_stops_working_within_a_second(district, resident_in_a):
    worker = district["grid_worker_a"]
    _token, caller = caller_for(worker)
    url = f"/api/v1/residents/{resident_in_a.pk}"
    with time_machine.travel(T0, tick=False) as clock:
        assert caller.get(url).status_code == 200
        Membership.objects.filter(user=worker).delete()
        clock.shift(WITHIN)
        assert caller.get(url).status_code in (403, 404)
        assert caller.get(PING).status_code == 200  # the token itself still works


def test_a_granted_membership_reaches_the_api_within_a_second(district, resident_in_a):
    other = district["grid_worker_b"]
    _token, caller = caller_for(other)
    url = f"/api/v1/residents/{resident_in_a.pk}"
    with time_machine.travel(T0, tick=False) as clock:
        assert caller.get(url).status_code in (403, 404)
        Membership.objects.create(user=other, role="grid_worker", area=district.areas[MICRO_A].parent)
        clock.shift(WITHIN)
        assert caller.get(url).status_code == 200


def test_a_clock_moved_back_does_not_stretch_a_kept_check(district):
    token, caller = caller_for(district["resident_a"])
    with time_machine.travel(T0, tick=False) as clock:
        assert caller.get(PING).status_code == 200
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=T0)
        clock.move_to(T0 - dt.timedelta(hours=1))
        assert caller.get(PING).status_code == 401


def test_each_request_gets_its_own_user_object(district):
    _token, caller = caller_for(district["resident_a"])
    with time_machine.travel(T0, tick=False):
        first = caller.get(PING).wsgi_request.user
        second = caller.get(PING).wsgi_request.user
    assert first == second and first is not second
    assert first.username == "resident_a" and first.is_active


def test_last_use_is_written_at_most_once_a_minute(district):
    token, caller = caller_for(district["resident_a"])
    with time_machine.travel(T0, tick=False) as clock:
        caller.get(PING)
        token.refresh_from_db()
        assert token.last_used_at == T0
        clock.shift(dt.timedelta(seconds=30))
        caller.get(PING)
        token.refresh_from_db()
        assert token.last_used_at == T0
        clock.shift(dt.timedelta(seconds=31))
        caller.get(PING)
        token.refresh_from_db()
        assert token.last_used_at == T0 + dt.timedelta(seconds=61)
