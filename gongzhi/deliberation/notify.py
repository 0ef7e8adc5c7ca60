"""Who hears what in deliberation, queued in the notification outbox inside the write's own transaction.

| event | who |
|---|---|
| a meeting's invitations | every invitee (inbox) |
| a waitlisted registration gets a place | that person |
| an action item's progress changes, or it is reopened | the residents who supported its topic |
| an action item is due in two days, or overdue | its owner (when the owner has an account) and the topic's managers are not told twice |

Nobody is told about their own move.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from gongzhi.deliberation.models import ActionItem, Meeting, TopicSupport
from gongzhi.notifications.actions import Note, notify_many

KIND = "deliberation."


def invited(meeting: Meeting, user_ids: Iterable[int]) -> int:
    when = meeting.starts_at.strftime("%Y-%m-%d %H:%M")
    notes = [
        Note(
            user_id=uid,
            kind=KIND + "invited",
            title=_("议事邀请：%(title)s") % {"title": meeting.title},
            body=_("诚邀您参加「%(title)s」，时间 %(when)s，地点 %(place)s。请在「有事您说话」报名。")
            % {"title": meeting.title, "when": when, "place": meeting.place or "-"},
            link=f"/deliberation/meetings/{meeting.pk}/",
            data={"meeting_id": meeting.pk},
        )
        for uid in user_ids
    ]
    return notify_many(notes=notes)


def promoted(meeting: Meeting, user_id: int) -> int:
    note = Note(
        user_id=user_id,
        kind=KIND + "promoted",
        title=_("候补转正：%(title)s") % {"title": meeting.title},
        body=_("有名额空出，您已从候补转为正式报名。"),
        link=f"/deliberation/meetings/{meeting.pk}/",
        data={"meeting_id": meeting.pk},
    )
    return notify_many(notes=[note])


def progress(item: ActionItem, *, actor_id: int | None, text: str) -> int:
    if item.topic_id is None:
        return 0
    supporters = TopicSupport.objects.filter(topic_id=item.topic_id).values_list("user_id", flat=True)
    notes = [
        Note(
            user_id=uid,
            kind=KIND + "progress",
            title=_("您支持的议题有新进展：%(title)s") % {"title": item.title},
            body=text,
            link=f"/deliberation/actions/{item.pk}/",
            data={"action_id": item.pk},
        )
        for uid in supporters
        if uid != actor_id
    ]
    return notify_many(notes=notes)


def reminder(item: ActionItem, *, overdue: bool) -> int:
    if item.owner_user_id is None:
        return 0
    if overdue:
        title = _("落实事项已逾期：%(title)s") % {"title": item.title}
    else:
        title = _("落实事项即将到期：%(title)s") % {"title": item.title}
    body = _("完成期限 %(deadline)s，当前进度 %(progress)s%%。") % {
        "deadline": item.deadline.isoformat(),
        "progress": item.progress,
    }
    note = Note(
        user_id=item.owner_user_id,
        kind=KIND + ("overdue" if overdue else "due_soon"),
        title=title,
        body=body,
        link=f"/deliberation/actions/{item.pk}/",
        data={"action_id": item.pk},
    )
    return notify_many(notes=[note])
