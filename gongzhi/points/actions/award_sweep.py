"""Posting due awards (the `post_due_awards` sweep): every award whose publicity ended without objection."""

from __future__ import annotations

import datetime as dt
import logging

from gongzhi.core import clock
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.points import fastpath
from gongzhi.points.actions.award_workflow import award_transition
from gongzhi.points.models import (
    AwardState,
    PointsAward,
)

log = logging.getLogger(__name__)


def post_due_award(*, award_id: int) -> None:
    """Post one award whose publicity has ended: one statement on PostgreSQL (points.fastpath), else — or when
    that wrote nothing — award_transition, which posts it or raises the exact reason."""
    if fastpath.available() and fastpath.award_post_due(award_id=award_id) is not None:
        return
    award_transition(actor=None, award_id=award_id, action="post", note="", system=True)


def post_due_awards(*, at: dt.datetime | None = None, limit: int = 1000) -> dict[str, int]:
    """The sweep: post every award whose publicity ended (an objection moved it out of `published`).

    Each award posts in its own transaction, so one refused posting (a deduction the balance cannot cover)
    leaves the others alone; it stays published and is counted as failed.
    """
    at = at or clock.now()
    due = list(
        PointsAward.objects.filter(state=AwardState.PUBLISHED, publicity_ends_at__lte=at)
        .order_by("publicity_ends_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    posted = failed = 0
    for award_id in due:
        try:
            post_due_award(award_id=award_id)
            posted += 1
        except (ValidationFailed, Conflict) as exc:
            # Moved by someone else meanwhile, or refused by the ledger (e.g. a deduction below the floor).
            failed += 1
            log.warning("points award %s not posted: %s", award_id, exc)
    return {"due": len(due), "posted": posted, "failed": failed}
