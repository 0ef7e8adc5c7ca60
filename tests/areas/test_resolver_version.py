"""The boundary version is read at most once a second per process; a change elsewhere arrives within that."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache

from gongzhi.areas import geometry

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)
WITHIN = dt.timedelta(seconds=geometry.VERSION_CHECK_SECONDS)


def test_a_boundary_change_in_another_process_reaches_this_one_within_a_second(areas):
    with time_machine.travel(T0, tick=False) as clock:
        first = geometry.get_resolver()
        cache.set(geometry.VERSION_KEY, geometry.boundary_version() + 1, timeout=None)  # another process bumps it
        clock.shift(WITHIN * 0.5)
        assert geometry.get_resolver() is first  # the version read half a second ago is still used
        clock.shift(WITHIN * 0.5)
        assert geometry.get_resolver() is not first


def test_a_change_in_this_process_is_seen_at_once(areas):
    with time_machine.travel(T0, tick=False):
        first = geometry.get_resolver()
        geometry.bump_boundary_version()
        assert geometry.get_resolver() is not first


def test_a_clock_moved_back_reads_the_version_again(areas):
    with time_machine.travel(T0, tick=False) as clock:
        first = geometry.get_resolver()
        cache.set(geometry.VERSION_KEY, geometry.boundary_version() + 1, timeout=None)
        clock.move_to(T0 - dt.timedelta(hours=1))
        assert geometry.get_resolver() is not first
