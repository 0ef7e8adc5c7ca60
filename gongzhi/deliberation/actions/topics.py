"""提: raising topics (online, or by staff for a walk-in or a caller), supports, moves, appeal clusters → topics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from gongzhi.appeals.actions import appeals_timeline_note
from gongzhi.appeals.models import Appeal
from gongzhi.areas.codes import LEVEL_LENGTHS, code_at
from gongzhi.core import clock, fsm
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text
from gongzhi.deliberation import selectors
from gongzhi.deliberation.actions._common import area as _area
from gongzhi.deliberation.actions._common import choice
from gongzhi.deliberation.lifecycles import TOPIC
from gongzhi.deliberation.models import Topic, TopicAppeal, TopicChannel, TopicState, TopicSupport

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

SUPPORTABLE = (TopicState.PROPOSED, TopicState.ACCEPTED, TopicState.SCHEDULED)
STAFF_CHANNELS = (TopicChannel.WALK_IN, TopicChannel.PHONE)


def _community_code(code: str) -> str:
    return code_at(code, "community") if len(code) >= LEVEL_LENGTHS["community"] else code


@transaction.atomic
def topic_raise(
    *,
    actor: User,
    title: Any,
    area_code: Any,
    description: Any = "",
    channel: Any = TopicChannel.ONLINE,
    on_behalf_of: Any = "",
) -> Topic:
    """A resident raises a topic about an area of their community; staff record one for a walk-in or a caller."""
    title = clean_text(title, field="title", max_length=100, required=True)
    description = clean_text(description, field="description", max_length=4000)
    channel = choice(channel, [TopicChannel.ONLINE, *STAFF_CHANNELS], field="channel")
    area = _area(area_code, field="area_code")
    if len(area.code) < LEVEL_LENGTHS["street"]:
        raise ValidationFailed(_("议题应涉及街道、社区、网格或楼栋，不能是整个区"), field="area_code")
    if channel in STAFF_CHANNELS:
        selectors.require_manager(actor, area.code, field="area_code")
        on_behalf_of = clean_text(on_behalf_of, field="on_behalf_of", max_length=64, required=True)
    else:
        selectors.require_participant(actor, area.code, field="area_code")
        on_behalf_of = ""
    return Topic.objects.create(
        title=title,
        description=description,
        area=area,
        area_code=area.code,
        community_code=_community_code(area.code),
        channel=channel,
        raised_by=actor,
        on_behalf_of=on_behalf_of,
    )


@transaction.atomic
def topic_support(*, actor: User, topic_id: int) -> Topic:
    """One support per person; reaching the community's threshold accepts the topic for the next agenda."""
    topic = Topic.objects.select_for_update().filter(pk=topic_id).first()
    if topic is None or not selectors.visible_to(actor, topic.area_code):
        raise NotFound(_("议题不存在：%(id)s") % {"id": topic_id}, field="topic_id")
    selectors.require_participant(actor, topic.area_code, field="topic_id")
    if topic.state not in SUPPORTABLE:
        raise ValidationFailed(
            _("议题当前状态为「%(state)s」，不再征集支持") % {"state": topic.get_state_display()}, field="topic_id"
        )
    if topic.raised_by_id == actor.pk and topic.channel == TopicChannel.ONLINE:
        raise ValidationFailed(_("不能支持自己提出的议题"), field="topic_id")
    try:
        with transaction.atomic():
            TopicSupport.objects.create(topic=topic, user=actor)
    except IntegrityError:
        raise Conflict(_("您已经支持过这个议题"), field="topic_id") from None
    Topic.objects.filter(pk=topic.pk).update(support_count=F("support_count") + 1)
    topic.refresh_from_db(fields=["support_count"])
    threshold = selectors.settings_for(topic.community_code).support_threshold
    if topic.state == TopicState.PROPOSED and topic.support_count >= threshold:
        topic = fsm.transition(TOPIC, topic.pk, "accept", actor=None, system=True, note=_("支持数达到上会门槛")).obj
    return topic


def topic_move(*, actor: User, topic_id: int, action: str, note: str = "", data: dict[str, Any] | None = None) -> Topic:
    result = fsm.transition(TOPIC, topic_id, action, actor=actor, note=note, data=data or {})
    return result.obj


@transaction.atomic
def cluster_accept(
    *, actor: User, community_code: str, by: str, key: str, title: Any = "", appeal_ids: list[int] | None = None
) -> Topic:
    """Staff accept a suggested cluster: a topic (accepted for the next agenda) with the appeals attached as
    evidence, each appeal's timeline showing the link. The cluster is recomputed now, so a stale suggestion (an
    appeal already attached elsewhere, the window moved on) is refused rather than half-applied."""
    by = choice(by, ["area", "category"], field="by")
    selectors.require_manager(actor, community_code, field="community_code")
    found = next((c for c in selectors.clusters(community_code=community_code) if c.by == by and c.key == key), None)
    if found is None:
        raise ValidationFailed(_("没有这个诉求聚类建议（可能已被处理或已不满足条件）"), field="key")
    ids = found.appeal_ids
    if appeal_ids is not None:
        missing = sorted(set(appeal_ids) - set(ids))
        if missing:
            raise ValidationFailed(
                _("这些诉求不在该聚类中：%(ids)s") % {"ids": "、".join(map(str, missing))}, field="appeal_ids"
            )
        ids = sorted(set(appeal_ids))
        if not ids:
            raise ValidationFailed(_("请至少保留一件诉求"), field="appeal_ids")
    title = clean_text(title, field="title", max_length=100) or found.label[:100]
    first = Appeal.objects.filter(pk__in=ids).select_related("area").order_by("id").first()
    if first is None:  # pragma: no cover - the cluster was just read
        raise ValidationFailed(_("聚类中的诉求已不存在"), field="key")
    area = first.area if by == "area" else _area(community_code, field="community_code")
    topic = Topic.objects.create(
        title=title,
        description=_("由 %(n)s 件相似诉求聚类生成：%(label)s") % {"n": len(ids), "label": found.label},
        area=area,
        area_code=area.code,
        community_code=community_code,
        channel=TopicChannel.APPEALS,
        raised_by=actor,
        state=TopicState.ACCEPTED,
    )
    now = clock.now()
    try:
        with transaction.atomic():
            TopicAppeal.objects.bulk_create([TopicAppeal(topic=topic, appeal_id=pk, linked_at=now) for pk in ids])
    except IntegrityError:
        raise Conflict(_("其中有诉求刚被关联到其他议题，请刷新后重试"), field="appeal_ids") from None
    appeals_timeline_note(
        appeal_ids=ids,
        actor=actor,
        action="deliberation_topic",
        note=_("列入议事议题「%(title)s」") % {"title": topic.title},
        data={"topic_id": topic.pk, "topic_title": topic.title},
    )
    return topic


def require_raiser_or_manager(actor: User, topic: Topic) -> None:
    if actor.pk != topic.raised_by_id and not selectors.may_manage(actor, topic.area_code):
        raise PermissionDenied(_("只有提出人或工作人员可以修改议题"), field="topic_id")


@transaction.atomic
def topic_link_appeals(*, actor: User, topic_id: int, appeal_ids: list[int]) -> Topic:
    """Staff attach appeals to a topic by hand (evidence, or the 12345 / 诉速办 tickets a topic resolves); each
    appeal's timeline shows the link. An appeal already attached to a topic is refused."""
    topic = Topic.objects.select_for_update().filter(pk=topic_id).first()
    if topic is None or not selectors.visible_to(actor, topic.area_code):
        raise NotFound(_("议题不存在：%(id)s") % {"id": topic_id}, field="topic_id")
    selectors.require_manager(actor, topic.area_code, field="topic_id")
    if not appeal_ids or any(not isinstance(a, int) or isinstance(a, bool) for a in appeal_ids):
        raise ValidationFailed(_("appeal_ids 必须是诉求编号（整数）的列表"), field="appeal_ids")
    ids = sorted(set(appeal_ids))
    found = set(
        Appeal.objects.filter(pk__in=ids, area_code__startswith=topic.community_code).values_list("pk", flat=True)
    )
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise ValidationFailed(
            _("这些诉求不存在或不在议题所在社区：%(ids)s") % {"ids": "、".join(map(str, missing))}, field="appeal_ids"
        )
    try:
        with transaction.atomic():
            TopicAppeal.objects.bulk_create([TopicAppeal(topic=topic, appeal_id=pk) for pk in ids])
    except IntegrityError:
        raise Conflict(_("其中有诉求已关联到其他议题"), field="appeal_ids") from None
    appeals_timeline_note(
        appeal_ids=ids,
        actor=actor,
        action="deliberation_topic",
        note=_("列入议事议题「%(title)s」") % {"title": topic.title},
        data={"topic_id": topic.pk, "topic_title": topic.title},
    )
    return topic
