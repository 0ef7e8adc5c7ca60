"""Points expiry: points not spent within the scheme's period (expiry_days after they were credited) lapse.

FIFO by award date: spending uses the oldest points first, so what an account still holds beyond the points it
was credited within the period is old and expires. With `recent` = the fresh credits (awards and the opening
balance) of the last `expiry_days` days, the account keeps min(balance, recent) and `balance − recent` expires.
That is exactly FIFO without replaying history: every debit (redemption, deduction, earlier expiry) net of its
refunds has used the oldest credits first.

Each expiry is a ledger transaction account → the scheme's expiry system account, posted with the account row
locked and the amount computed under that lock, so a second run (or a second runner on PostgreSQL at the same
time) finds nothing left to expire. The reference names the account's latest posting, so two runners that see the
same state post one transaction. Expiry never takes an account below a positive floor (the reserve stays).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from gongzhi.core import clock, ledger
from gongzhi.core.errors import Conflict, ValidationFailed
from gongzhi.points.actions.schemes import system_account
from gongzhi.points.models import KIND_AWARD, PointsAccount, PointsScheme

log = logging.getLogger(__name__)

# Transaction kinds that bring fresh points into an account (each dated by its transaction); refunds and
# reversals only undo a debit, they do not start a new period.
FRESH_KINDS = (KIND_AWARD, "points.opening")


def _recent_credits(ledger_account_id: int, since: dt.datetime) -> int:
    return (
        ledger.Posting.objects.filter(
            account_id=ledger_account_id,
            amount__gt=0,
            transaction__kind__in=FRESH_KINDS,
            transaction__occurred_at__gt=since,
        ).aggregate(s=Sum("amount"))["s"]
        or 0
    )


def expirable(*, account: PointsAccount, at: dt.datetime) -> int:
    """How many points of the account have expired by `at` (0 when the scheme has no expiry)."""
    days = account.scheme.expiry_days
    if not days:
        return 0
    la = ledger.LedgerAccount.objects.values("balance", "floor").get(pk=account.ledger_account_id)
    keep = max(_recent_credits(account.ledger_account_id, at - dt.timedelta(days=days)), max(la["floor"], 0))
    return max(0, la["balance"] - keep)


@transaction.atomic
def expire_account(*, account: PointsAccount, at: dt.datetime) -> ledger.LedgerTransaction | None:
    """Expire what is due on one account; None when nothing is."""
    # The lock first: a concurrent runner (or a redemption) waits, and then sees the balance this one leaves.
    locked = ledger.LedgerAccount.objects.select_for_update().get(pk=account.ledger_account_id)
    amount = expirable(account=account, at=at)
    if amount <= 0:
        return None
    latest = ledger.Posting.objects.filter(account_id=locked.pk).order_by("-id").values_list("id", flat=True).first()
    expiry = system_account(account.scheme, "expiry", spread=account.pk)
    return ledger.post(
        kind="points.expiry",
        lines=[(locked, -amount), (expiry, amount)],
        memo=str(_("积分过期（有效期 %(days)d 天）") % {"days": account.scheme.expiry_days}),
        reference=f"points:expiry:{account.pk}:{latest}",
    )


def expire_due(*, at: dt.datetime | None = None, limit: int = 10_000) -> dict[str, int]:
    """The sweep: every account of a scheme with expiry whose balance exceeds its recent credits."""
    at = at or clock.now()
    expired = accounts = failed = 0
    for scheme in PointsScheme.objects.filter(is_active=True, expiry_days__isnull=False):
        if scheme.expiry_days is None:  # excluded by the filter
            continue
        since = at - dt.timedelta(days=scheme.expiry_days)
        # Candidates in one query: a positive balance above the points credited within the period.
        candidates = (
            PointsAccount.objects.filter(scheme=scheme, ledger_account__balance__gt=0)
            .annotate(
                recent=Sum(
                    "ledger_account__postings__amount",
                    filter=Q(
                        ledger_account__postings__amount__gt=0,
                        ledger_account__postings__transaction__kind__in=FRESH_KINDS,
                        ledger_account__postings__transaction__occurred_at__gt=since,
                    ),
                    default=0,
                )
            )
            .filter(ledger_account__balance__gt=F("recent"))
            .select_related("scheme")
            .order_by("pk")
        )
        for account in candidates.iterator(chunk_size=500):
            if accounts >= limit:
                break
            try:
                txn = expire_account(account=account, at=at)
            except (ValidationFailed, Conflict) as exc:
                failed += 1
                log.warning("points expiry of account %s failed: %s", account.pk, exc)
                continue
            if txn is not None:
                accounts += 1
                expired += -next(p.amount for p in txn.postings.all() if p.account_id == account.ledger_account_id)
    return {"accounts": accounts, "points": expired, "failed": failed}
