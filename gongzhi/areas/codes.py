"""Area codes as strings: the one place that knows where a code's levels begin and end.

A code is hierarchical — 6 digits of district, then 3 of street, 3 of community, 3 of grid and 2 of micro-grid
(`LEVEL_LENGTHS`, which `areas.models.CODE_LENGTH` reads) — so an ancestor's code is a prefix of one of those
lengths. Code that needs "the community of this appeal" or "every area above this household" asks here instead of
slicing `[:12]` itself, so a change of the code scheme is one edit. Pure functions, no database.
"""

from __future__ import annotations

import itertools

# The length of a code at each level, by the level's value (areas.models.AreaLevel, whose CODE_LENGTH is this
# table): 6-digit county + 3 street + 3 community + 3 grid + 2 micro-grid. This module imports no model, so the
# models may use it.
LEVEL_LENGTHS: dict[str, int] = {"district": 6, "street": 9, "community": 12, "grid": 15, "microgrid": 17}
# Shortest first: (6, 9, 12, 15, 17).
LENGTHS: tuple[int, ...] = tuple(LEVEL_LENGTHS.values())
_LEVEL_BY_LENGTH = {length: level for level, length in LEVEL_LENGTHS.items()}
_CHILD_LENGTH = dict(itertools.pairwise(LENGTHS))
_PARENT_LENGTH = {child: parent for parent, child in _CHILD_LENGTH.items()}


def level_of(code: str) -> str | None:
    """The level (an AreaLevel value) a code of this length names (None when the length is no level's)."""
    return _LEVEL_BY_LENGTH.get(len(code))


def code_at(code: str, level: str) -> str:
    """The code of the area at `level` that contains `code` (`code` itself when it is at or above that level).

    `level` is an AreaLevel (or its value, such as an appeal's handling level).

    >>> code_at("37021100100100101", "community")
    '370211001001'
    """
    return code[: LEVEL_LENGTHS[level]]


def ancestor_codes(code: str, *, include_self: bool = True) -> list[str]:
    """The codes of the areas above `code` — and of `code` itself unless `include_self=False` — district first.

    `code_in=ancestor_codes(x)` finds rows attached to x or to any area above it (a street's scheme applies to its
    communities); `include_self=False` is "strictly above".
    """
    n = len(code)
    return [code[:length] for length in LENGTHS if length < n or (include_self and length == n)]


def parent_code(code: str) -> str | None:
    """The code of the area directly above (None for a district or a length that is no level's)."""
    length = _PARENT_LENGTH.get(len(code))
    return code[:length] if length else None


def child_code_length(code: str) -> int | None:
    """The length of the codes one level below `code` (None for a micro-grid or a length that is no level's)."""
    return _CHILD_LENGTH.get(len(code))


def deepest_code_in(prefix: str) -> str:
    """The longest area code that `prefix` begins with ('' when it is shorter than a district's code).

    >>> deepest_code_in("3702110010")
    '370211001'
    """
    return next((prefix[:length] for length in reversed(LENGTHS) if length <= len(prefix)), "")


def code_parts(code: str) -> list[str]:
    """The code cut at its levels, for display: ['370211', '001', '001', '001', '01']."""
    starts = (0, *LENGTHS)
    return [code[a:b] for a, b in itertools.pairwise(starts) if code[a:b]]
