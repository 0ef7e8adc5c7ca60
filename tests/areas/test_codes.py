"""Area codes are cut at their levels in one place: the helpers name the area above, below and around a code."""

import pytest

from gongzhi.areas.codes import (
    LENGTHS,
    ancestor_codes,
    child_code_length,
    code_at,
    code_parts,
    deepest_code_in,
    level_of,
    parent_code,
)
from gongzhi.areas.models import CODE_LENGTH, LEVEL_ORDER, Area, AreaLevel

DISTRICT = "370211"
STREET = "370211001"
COMMUNITY = "370211001001"
GRID = "370211001001001"
MICRO = "37021100100100101"
LADDER = [DISTRICT, STREET, COMMUNITY, GRID, MICRO]


def test_the_lengths_are_the_levels_in_order():
    assert LENGTHS == (6, 9, 12, 15, 17)
    assert [CODE_LENGTH[level] for level in LEVEL_ORDER] == list(LENGTHS)


@pytest.mark.parametrize(("code", "level"), zip(LADDER, LEVEL_ORDER, strict=True))
def test_a_code_tells_its_level(code, level):
    assert level_of(code) == level


@pytest.mark.parametrize("code", ["", "37021", "3702110", "370211001001001011"])
def test_a_length_that_is_no_level_has_no_level(code):
    assert level_of(code) is None


@pytest.mark.parametrize(("level", "expected"), zip(LEVEL_ORDER, LADDER, strict=True))
def test_code_at_names_the_area_at_that_level_above_a_micro_grid(level, expected):
    assert code_at(MICRO, level) == expected
    assert code_at(MICRO, str(level)) == expected  # a level's value (an appeal's handling level) works too


def test_code_at_a_level_below_the_code_is_the_code_itself():
    assert code_at(STREET, AreaLevel.COMMUNITY) == STREET
    assert code_at(COMMUNITY, AreaLevel.COMMUNITY) == COMMUNITY


def test_ancestor_codes_go_from_the_district_down_to_the_code():
    assert ancestor_codes(MICRO) == LADDER
    assert ancestor_codes(COMMUNITY) == [DISTRICT, STREET, COMMUNITY]
    assert ancestor_codes(DISTRICT) == [DISTRICT]


def test_ancestor_codes_without_self_are_strictly_above():
    assert ancestor_codes(MICRO, include_self=False) == LADDER[:-1]
    assert ancestor_codes(DISTRICT, include_self=False) == []


def test_ancestor_codes_of_a_partial_code_stop_at_the_last_whole_level():
    assert ancestor_codes("3702110010") == [DISTRICT, STREET]
    assert ancestor_codes("3702110010", include_self=False) == [DISTRICT, STREET]


def test_the_area_method_agrees_with_the_helper():
    assert Area(code=GRID).ancestor_codes() == ancestor_codes(GRID)
    assert Area(code=MICRO).display_code == "370211 001 001 001 01"


@pytest.mark.parametrize(("child", "parent"), list(zip(LADDER[1:], LADDER[:-1], strict=True)))
def test_parent_code_is_one_level_up(child, parent):
    assert parent_code(child) == parent


def test_a_district_and_a_broken_code_have_no_parent():
    assert parent_code(DISTRICT) is None
    assert parent_code("3702110") is None


@pytest.mark.parametrize(("code", "length"), [(DISTRICT, 9), (STREET, 12), (COMMUNITY, 15), (GRID, 17), (MICRO, None)])
def test_child_code_length_is_one_level_down(code, length):
    assert child_code_length(code) == length


def test_child_code_length_of_a_broken_code_is_none():
    assert child_code_length("3702110") is None


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [("", ""), ("37021", ""), (DISTRICT, DISTRICT), ("3702110010", STREET), (MICRO, MICRO), (GRID + "0", GRID)],
)
def test_deepest_code_in_a_prefix(prefix, expected):
    assert deepest_code_in(prefix) == expected


def test_code_parts_cut_at_each_level():
    assert code_parts(MICRO) == ["370211", "001", "001", "001", "01"]
    assert code_parts(COMMUNITY) == ["370211", "001", "001"]
    assert code_parts("") == []
