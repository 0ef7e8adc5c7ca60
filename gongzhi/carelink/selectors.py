"""Reads of the care ↔ matching link, each side under its own rules.

- From the care side (an archive's page, `GET /api/v1/care/needs/{id}/demand`): whoever reads the archive under
  need to know (care.access) sees which needs became which demands, with their state.
- From the matching side (a demand's page, `GET /api/v1/care/demand-origins/{id}`): whoever may see the demand
  (matching's rules) and also has need to know of the archive sees where it came from — the visit's date and the
  archive (a read by someone not assigned is audited, as every such read is); staff who hold `matching.view` at
  the demand's area see only that it came from a care visit; anyone else (the public wall, a volunteer holding the
  errand, the resident) sees nothing of care.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import HttpRequest

from gongzhi.accounts import rules
from gongzhi.care import access
from gongzhi.care.models import CareArchive
from gongzhi.carelink.models import NeedDemand
from gongzhi.matching.models import Demand

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gongzhi.accounts.models import User


@dataclass(frozen=True)
class Origin:
    """Where a demand came from, as much as the reader may know."""

    from_care_visit: bool
    archive_id: int | None = None
    need_id: int | None = None
    need_kind: str = ""
    visited_on: dt.date | None = None


def need_to_know(user: User | AnonymousUser | None, archive: CareArchive) -> bool:
    return access.is_assigned(user, archive) or access.reaches_by_area(user, archive)


def origin(user: User | AnonymousUser | None, demand: Demand, *, request: HttpRequest | None = None) -> Origin | None:
    """The origin of a demand the user may already see (the caller checked matching's rule), or None."""
    link = NeedDemand.objects.select_related("need__archive", "need__visit").filter(demand_id=demand.pk).first()
    if link is None:
        return None
    archive = link.need.archive
    if need_to_know(user, archive):
        access.check_read(user, archive, request=request, why="demand_origin")
        visit = link.need.visit
        return Origin(
            from_care_visit=True,
            archive_id=archive.pk,
            need_id=link.need_id,
            need_kind=link.need.kind,
            visited_on=visit.visited_at.date() if visit is not None else None,
        )
    if rules.allows(user, "matching.view", demand.area_code):
        return Origin(from_care_visit=True)
    return None


def links_of_archive(archive: CareArchive) -> dict[int, NeedDemand]:
    """need id → its link (with the demand), for an archive the caller has already read under need to know."""
    rows = NeedDemand.objects.select_related("demand").filter(need__archive=archive)
    return {row.need_id: row for row in rows}
