"""Point → area resolution over the boundaries, with shapely 2 STRtree indexes per level.

The index is rebuilt in a process when the stored boundary version moves (every boundary change bumps it),
so several web processes and workers pick up new boundaries without restarting. A process reads the version at
most once per VERSION_CHECK_SECONDS (it is one cache read, a statement with the database cache, on every
intake otherwise): a boundary change reaches the other processes within that time, and this one at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from django.core.cache import cache
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from gongzhi.areas.models import LEVEL_ORDER, Area
from gongzhi.core.recent import Recent

VERSION_KEY = "areas:boundary-version"
# Finest level first: a point resolves to the smallest area whose boundary holds it (属地兜底).
_SEARCH_ORDER = list(reversed(LEVEL_ORDER))


def geometry_from_geojson(data: dict[str, Any]) -> BaseGeometry:
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry") or {}
    return shape(data)


@dataclass
class _LevelIndex:
    tree: STRtree
    codes: npt.NDArray[np.object_]  # the area codes (str), in the order of the tree's geometries


class AreaResolver:
    def __init__(self, rows: list[tuple[str, str, dict[str, Any]]]) -> None:
        by_level: dict[str, tuple[list[BaseGeometry], list[str]]] = {}
        for code, level, boundary in rows:
            geoms, codes = by_level.setdefault(level, ([], []))
            geoms.append(geometry_from_geojson(boundary))
            codes.append(code)
        self.levels: dict[str, _LevelIndex] = {}
        for level, (geoms, codes) in by_level.items():
            self.levels[level] = _LevelIndex(STRtree(geoms), np.array(codes, dtype=object))

    @classmethod
    def from_database(cls) -> AreaResolver:
        rows = Area.objects.exclude(boundary__isnull=True).values_list("code", "level", "boundary").iterator(2000)
        return cls([(code, level, boundary) for code, level, boundary in rows if boundary is not None])

    def resolve(self, lat: float, lng: float) -> str | None:
        point = shapely.Point(lng, lat)
        for level in _SEARCH_ORDER:
            index = self.levels.get(level)
            if index is None:
                continue
            hits = index.tree.query(point, predicate="intersects")
            if len(hits) == 1:
                return str(index.codes[hits[0]])
            if len(hits):
                # On a shared edge pick the lowest code so the answer is stable.
                return str(min(index.codes[hits]))
        return None

    def resolve_many(self, lats: npt.ArrayLike, lngs: npt.ArrayLike) -> list[str | None]:
        points = shapely.points(np.asarray(lngs, dtype=float), np.asarray(lats, dtype=float))
        if not isinstance(points, np.ndarray):
            raise TypeError("resolve_many takes arrays of coordinates; resolve takes one point")
        result: list[str | None] = [None] * len(points)
        pending = np.arange(len(points))
        for level in _SEARCH_ORDER:
            index = self.levels.get(level)
            if index is None or not len(pending):
                continue
            point_idx, geom_idx = index.tree.query(points[pending], predicate="intersects")
            found = set()
            for p, g in zip(point_idx.tolist(), geom_idx.tolist(), strict=True):
                original = int(pending[p])
                code = index.codes[g]
                if result[original] is None or code < result[original]:
                    result[original] = code
                found.add(p)
            pending = np.array([i for n, i in enumerate(pending.tolist()) if n not in found], dtype=int)
        return result


VERSION_CHECK_SECONDS = 1.0

_lock = threading.Lock()
_cached: tuple[int, AreaResolver] | None = None
_version: Recent[str, int] = Recent(VERSION_CHECK_SECONDS)


def boundary_version() -> int:
    return int(cache.get(VERSION_KEY, 0))


def bump_boundary_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)
    _version.forget()  # this process reads the new version at its next resolution


def _current_version() -> int:
    return _version.get(VERSION_KEY, lambda _key: boundary_version()) or 0


def get_resolver() -> AreaResolver:
    global _cached
    version = _current_version()
    with _lock:
        if _cached is None or _cached[0] != version:
            _cached = (version, AreaResolver.from_database())
        return _cached[1]


def resolve_point(lat: float, lng: float) -> str | None:
    return get_resolver().resolve(lat, lng)
