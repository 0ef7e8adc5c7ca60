"""Awards (评选表彰, SPEC §9): schemes per street and period, computed results with their explanation, nominations
and votes for resident-nominated honours.

- A scheme (`Scheme`) is one award of one street for one period (a year or a quarter): the star rating of grid
  party members (五星级网格党员), the star grids (星级网格), or an honour residents nominate and vote for (最美家庭,
  敬老孝亲). Its `config` holds the factor weights and targets and the score each star needs (actions.schemes).
- A result (`Result`) is one rated subject — a party member, a grid, a nomination — with its score, stars or votes,
  and the explanation it was computed from (each factor: value, target, weight, points, source count). Its state is
  a lifecycle on the shared fsm (actions.workflow.RESULT): computed → confirmed (or rejected with a reason) →
  published; every move is an `AwardEvent`.
- Nominations and votes: a resident nominates within their community with a reason; in the voting window each
  resident casts one vote per honour (a unique constraint is the last line against a double vote). Votes are
  append-only.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gongzhi.core import clock
from gongzhi.core.models import AppendOnlyError, AppendOnlyModel


class SchemeKind(models.TextChoices):
    PARTY_STARS = "party_stars", _("五星级网格党员")
    GRID_STARS = "grid_stars", _("星级网格")
    HONOUR = "honour", _("居民推选荣誉")


class PeriodKind(models.TextChoices):
    YEAR = "year", _("年度")
    QUARTER = "quarter", _("季度")


class Scheme(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=SchemeKind.choices)
    name = models.CharField(_("名称"), max_length=64)
    area = models.ForeignKey("areas.Area", verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    period_kind = models.CharField(_("周期"), max_length=8, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), null=True, blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期（不含）"))
    config = models.JSONField(_("评分规则"), default=dict, blank=True)
    # Honours: nominations are taken until the vote closes; votes only inside [votes_open_at, votes_close_at).
    votes_open_at = models.DateTimeField(_("投票开始"), null=True, blank=True)
    votes_close_at = models.DateTimeField(_("投票截止"), null=True, blank=True)
    winners_per_community = models.PositiveSmallIntegerField(_("每社区评选名额"), default=3)
    # A rule code of the points catalogue (e.g. local-honour); blank: the award earns no points.
    points_rule = models.CharField(_("积分规则"), max_length=48, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("创建时间"), default=clock.now)

    class Meta:
        verbose_name = _("评选方案")
        verbose_name_plural = _("评选方案")
        ordering = ["-starts_on", "area_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["area", "kind", "name", "starts_on"], name="awards_scheme_unique"),
            models.CheckConstraint(condition=models.Q(ends_on__gt=models.F("starts_on")), name="awards_period"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def period_label(self) -> str:
        if self.period_kind == PeriodKind.QUARTER and self.quarter:
            return f"{self.year} Q{self.quarter}"
        return str(self.year)

    @property
    def is_honour(self) -> bool:
        return self.kind == SchemeKind.HONOUR

    def voting_open(self, at: Any = None) -> bool:
        now = at or clock.now()
        return bool(self.votes_open_at and self.votes_close_at and self.votes_open_at <= now < self.votes_close_at)


class Nomination(models.Model):
    """A resident's nomination for an honour: whom (a family or a person, by name), why, in which community."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("评选"), on_delete=models.PROTECT, related_name="nominations")
    area = models.ForeignKey("areas.Area", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    nominee_name = models.CharField(_("被提名人/家庭"), max_length=64)
    nominee = models.ForeignKey(
        "people.Resident", verbose_name=_("被提名居民档案"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    reason = models.CharField(_("推荐理由"), max_length=1000)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("提名人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("提名时间"), default=clock.now)

    class Meta:
        verbose_name = _("提名")
        verbose_name_plural = _("提名")
        ordering = ["scheme_id", "area_code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "area", "nominee_name"], name="awards_nomination_once"),
        ]

    def __str__(self) -> str:
        return self.nominee_name


class VoteQuerySet(models.QuerySet["Vote"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("votes are never changed")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("votes are never deleted")


class Vote(models.Model):
    """One resident's one vote in one honour (append-only; the unique constraint refuses a second one)."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("评选"), on_delete=models.PROTECT, related_name="votes")
    nomination = models.ForeignKey(Nomination, verbose_name=_("提名"), on_delete=models.PROTECT, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("投票人"), on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("区域编码"), max_length=17, editable=False)
    cast_at = models.DateTimeField(_("投票时间"), default=clock.now)

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("投票")
        verbose_name_plural = _("投票")
        constraints = [models.UniqueConstraint(fields=["scheme", "voter"], name="awards_one_vote_per_resident")]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("votes are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("votes are never deleted")


class ResultState(models.TextChoices):
    COMPUTED = "computed", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("已驳回")
    PUBLISHED = "published", _("已公示")


class Result(models.Model):
    scheme = models.ForeignKey(Scheme, verbose_name=_("评选"), on_delete=models.PROTECT, related_name="results")
    # The subject: a party member (party_stars), a grid (grid_stars: `area` itself) or a nomination (honour).
    party_member = models.ForeignKey(
        "people.PartyMember", verbose_name=_("党员"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    nomination = models.ForeignKey(
        Nomination, verbose_name=_("提名"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey("areas.Area", verbose_name=_("区域"), on_delete=models.PROTECT, related_name="+")
    area_code = models.CharField(_("区域编码"), max_length=17, db_index=True, editable=False)
    subject_name = models.CharField(_("对象"), max_length=100)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, default=0)
    stars = models.PositiveSmallIntegerField(_("星级"), default=0)
    votes = models.PositiveIntegerField(_("票数"), default=0)
    rank = models.PositiveIntegerField(_("名次"), null=True, blank=True)
    # [{key, label, value, target, ratio, weight, points, source_count, source, why}] — how the score was reached.
    explanation = models.JSONField(_("计算说明"), default=list, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=ResultState.choices, default=ResultState.COMPUTED)
    version = models.PositiveIntegerField(default=1, editable=False)
    computed_at = models.DateTimeField(_("计算时间"), default=clock.now)
    reject_reason = models.CharField(_("驳回理由"), max_length=500, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公示时间"), null=True, blank=True)
    notice_id = models.BigIntegerField(_("公示编号"), null=True, blank=True, editable=False)
    points_award_id = models.BigIntegerField(_("积分奖励"), null=True, blank=True, editable=False)
    points_note = models.CharField(_("积分说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("评选结果")
        verbose_name_plural = _("评选结果")
        ordering = ["scheme_id", "-score", "-votes", "id"]
        indexes = [models.Index(fields=["scheme", "area_code"], name="awards_result_area")]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "party_member"], condition=models.Q(party_member__isnull=False),
                name="awards_result_member_once",
            ),
            models.UniqueConstraint(
                fields=["scheme", "nomination"], condition=models.Q(nomination__isnull=False),
                name="awards_result_nomination_once",
            ),
            models.UniqueConstraint(
                fields=["scheme", "area"], condition=models.Q(party_member__isnull=True, nomination__isnull=True),
                name="awards_result_grid_once",
            ),
            models.CheckConstraint(condition=models.Q(stars__lte=5), name="awards_result_stars"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.scheme}: {self.subject_name}"

    @property
    def star_text(self) -> str:
        return "★" * self.stars + "☆" * (5 - self.stars)


class AwardEvent(AppendOnlyModel):
    """Append-only: one row per move of a result (who, when, from which state to which, why)."""

    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("操作"), max_length=16)
    from_state = models.CharField(_("原状态"), max_length=12)
    to_state = models.CharField(_("新状态"), max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    note = models.CharField(_("说明"), max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("时间"), default=clock.now)

    class Meta:
        verbose_name = _("评选记录")
        verbose_name_plural = _("评选记录")
        ordering = ["at", "id"]
