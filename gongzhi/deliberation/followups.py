"""The hook through which an action item opens a follow-up in another app (做: "an action can open an appeal or a
service demand").

Appeals sit below deliberation, so deliberation opens an appeal itself (`actions/records.py`). Matching sits on the
same layer line as deliberation (`care | deliberation | inspections | matching` in .importlinter: neither may import
the other), so the demand opener is registered from above: `gongzhi.web.bridges` (the pages layer, which may import
both) registers it when the web app is ready. Without a registered opener the kind is refused, never half done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gongzhi.accounts.models import User
    from gongzhi.deliberation.models import ActionItem


@dataclass(frozen=True)
class Opened:
    target_id: int
    label: str
    url: str


# (actor, the action item, the caller's fields) → what was opened. Runs inside the follow-up's transaction; it
# validates its own fields, checks its own app's rules, and writes the link on its own side (a timeline entry).
Opener = Callable[["User", "ActionItem", dict[str, Any]], Opened]

OPENERS: dict[str, Opener] = {}


def register(kind: str, opener: Opener) -> None:
    OPENERS[kind] = opener
