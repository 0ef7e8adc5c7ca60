"""Per-appeal facts the measures count, stored on the appeal row (see `Appeal.responded_on_time` and the rest).

`workflow.appeal_transition` keeps them at each move (`after_move`); `backfill` derives them set-wise from the
rows and the event log, for the migration that added them and for rows written directly (tests, bench seeding).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from gongzhi.appeals import policy

SATISFIED_RATINGS = ("satisfied", "basically")


def _arrival_minutes(appeal: Any) -> int:
    minutes = (appeal.policy_snapshot or {}).get("arrival_minutes")
    if minutes is not None:
        try:
            return int(minutes)
        except (TypeError, ValueError):
            pass
    return int(policy.deployment_policy()["arrival_minutes"])


def responded_on_time(appeal: Any) -> bool | None:
    """Accepted (签收) no later than the arrival limit: `arrive_by`, else the latest dispatch plus the snapshot's
    arrival minutes. None while not accepted."""
    if appeal.accepted_at is None:
        return None
    limit = appeal.arrive_by
    if limit is None and appeal.dispatched_at is not None:
        limit = appeal.dispatched_at + dt.timedelta(minutes=_arrival_minutes(appeal))
    return limit is not None and appeal.accepted_at <= limit


def after_move(appeal: Any, action: str, now: dt.datetime, event_data: dict[str, Any]) -> list[str]:
    """Update the facts on an appeal being moved by `action`; returns the fields to save."""
    fields = ["responded_on_time"]  # acceptance, dispatch, return and escalation all move its inputs
    appeal.responded_on_time = responded_on_time(appeal)
    if action == "rate":
        appeal.ratings_total += 1
        appeal.ratings_satisfied += event_data.get("rating") in SATISFIED_RATINGS
        fields += ["ratings_total", "ratings_satisfied"]
    elif action == "extend":
        appeal.extended_at = now
        fields.append("extended_at")
    return fields


def arrival_limit_expression() -> Any:
    """`responded_on_time`'s limit as an SQL expression (for set-wise writes)."""
    minutes = Coalesce(
        Cast(KT("policy_snapshot__arrival_minutes"), IntegerField()),
        Value(int(policy.deployment_policy()["arrival_minutes"])),
    )
    limit = ExpressionWrapper(minutes * Value(dt.timedelta(minutes=1)), output_field=DurationField())
    return Coalesce(
        "arrive_by",
        ExpressionWrapper(F("dispatched_at") + limit, output_field=DateTimeField()),
        output_field=DateTimeField(),
    )


def responded_expression() -> Any:
    return Case(
        When(accepted_at__isnull=True, then=Value(None)),
        When(accepted_at__lte=arrival_limit_expression(), then=Value(True)),
        default=Value(False),
    )


def backfill(appeal_model: Any, event_model: Any, appeals: Any = None) -> None:
    """Derive the facts set-wise from the appeal rows and their events (`appeals`: a queryset, default all)."""
    rows = appeals if appeals is not None else appeal_model.objects.all()
    rows.filter(accepted_at__isnull=False).update(responded_on_time=responded_expression())
    rates = (
        event_model.objects.filter(appeal=OuterRef("pk"), action="rate")
        .order_by()
        .values("appeal")
        .annotate(
            n=Count("pk"),
            good=Count("pk", filter=Q(data__rating__in=SATISFIED_RATINGS)),
        )
    )
    extensions = (
        event_model.objects.filter(appeal=OuterRef("pk"), action="extend")
        .order_by()
        .values("appeal")
        .annotate(last=Max("occurred_at"))
    )
    rows.filter(pk__in=event_model.objects.filter(action="rate").values("appeal")).update(
        ratings_total=Subquery(rates.values("n")), ratings_satisfied=Subquery(rates.values("good"))
    )
    rows.filter(pk__in=event_model.objects.filter(action="extend").values("appeal")).update(
        extended_at=Subquery(extensions.values("last"))
    )
