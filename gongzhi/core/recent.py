"""Values read from the database and kept in this process for a short, bounded time.

For reads that every request makes and that change rarely (a token's check, a category, an area, the boundary
version): within `seconds` of reading a value a process uses it again without a statement, so a change made
elsewhere reaches this process within that time. Time is gongzhi.core.clock's, so tests move it with
time-machine; a clock moved back reads again rather than stretching a value's life. Writers in this process call
forget() so their own change is seen at once.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable, Hashable
from typing import Any, ClassVar, Generic, TypeVar

from gongzhi.core import clock

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """A process-local map of key → value, each kept for at most `seconds` after it was read."""

    _all: ClassVar[weakref.WeakSet[Recent[Any, Any]]] = weakref.WeakSet()  # every instance, whatever it keeps

    def __init__(self, seconds: float, *, size: int = 10_000) -> None:
        self.seconds = seconds
        self._life = dt.timedelta(seconds=seconds)
        self._size = size
        self._kept: dict[K, tuple[dt.datetime, V]] = {}
        Recent._all.add(self)

    def get(self, key: K, load: Callable[[K], V | None]) -> V | None:
        """The value kept for `key`, or `load(key)` read now (and kept unless it is None)."""
        now = clock.now()
        kept = self._kept.get(key)
        if kept is not None and kept[0] <= now < kept[0] + self._life:
            return kept[1]
        value = load(key)
        if value is None:
            self._kept.pop(key, None)
            return None
        if len(self._kept) >= self._size:
            for old in [k for k, (at, _v) in self._kept.items() if not at <= now < at + self._life]:
                del self._kept[old]
            if len(self._kept) >= self._size:
                self._kept.clear()
        self._kept[key] = (now, value)
        return value

    def forget(self, key: K | None = None) -> None:
        """Drop one key (or everything), so this process reads it again at the next get()."""
        if key is None:
            self._kept.clear()
        else:
            self._kept.pop(key, None)

    @classmethod
    def forget_everywhere(cls) -> None:
        """Every Recent of the process emptied (between tests)."""
        for recent in list(cls._all):
            recent.forget()
