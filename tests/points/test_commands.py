"""seed_points installs the catalogue once; post_due_awards --once posts what is due, never twice."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from gongzhi.core import ledger
from gongzhi.points.models import PointsRule, PointsScheme
from tests.conftest import COMMUNITY_B, STREET
from tests.points.conftest import move, propose

START = dt.datetime(2025, 5, 6, 9, 0, tzinfo=dt.UTC)


def run(*args, **kw):
    out = StringIO()
    call_command(*args, stdout=out, **kw)
    return out.getvalue()


def test_seed_points_creates_the_scheme_and_installs_the_catalogue_once(district):
    assert "20 catalogue items added" in run("seed_points", area=COMMUNITY_B, name="B社区积分")
    scheme = PointsScheme.objects.get(area_code=COMMUNITY_B)
    rule = PointsRule.objects.get(scheme=scheme, code="law-disorder")
    rule.points = -15  # a street's own edit survives a re-run
    rule.save()
    assert "0 catalogue items added, 20 in all" in run("seed_points", scheme=scheme.pk)
    assert PointsRule.objects.get(pk=rule.pk).points == -15
    names = set(PointsRule.objects.filter(scheme=scheme).values_list("name", flat=True))
    assert {"参加人居环境整治", "助人为乐", "不赡养老人", "故意扰乱公共秩序"} <= names
    assert any("移风易俗" in n for n in names)


def test_seed_points_refuses_an_unknown_area_or_a_grid(district):
    with pytest.raises(CommandError, match="no area"):
        run("seed_points", area="370299")
    with pytest.raises(CommandError, match="街道或社区"):
        run("seed_points", area=STREET + "001001")
    assert not PointsScheme.objects.exists()


def test_post_due_awards_once_posts_and_a_second_run_posts_nothing(district, household_a, account_a):
    with time_machine.travel(START, tick=False) as t:
        move(
            district,
            propose(district, household_a),
            ("community_worker_a", "review"),
            ("community_worker_a", "publish"),
        )
        assert "due 0, posted 0" in run("post_due_awards", once=True)
        t.shift(dt.timedelta(days=3, seconds=1))
        assert "due 1, posted 1, failed 0" in run("post_due_awards", once=True)
        assert "due 0, posted 0" in run("post_due_awards", once=True)
        assert ledger.balance(account=account_a.ledger_account) == 5


def test_post_due_awards_at_a_past_time_and_not_the_future(district, household_a, account_a):
    with time_machine.travel(START, tick=False) as t:
        move(
            district,
            propose(district, household_a),
            ("community_worker_a", "review"),
            ("community_worker_a", "publish"),
        )
        t.shift(dt.timedelta(days=5))
        assert "due 0" in run("post_due_awards", once=True, at=(START + dt.timedelta(days=1)).isoformat())
        with pytest.raises(CommandError, match="future"):
            run("post_due_awards", once=True, at=(START + dt.timedelta(days=9)).isoformat())
        with pytest.raises(CommandError, match="ISO"):
            run("post_due_awards", once=True, at="tomorrow")
