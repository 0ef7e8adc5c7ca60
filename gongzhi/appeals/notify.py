"""Who hears what about an appeal, queued in the notification outbox inside the move's own transaction.

A move that rolls back leaves no outbox row, so nobody hears of it; the worker delivers after commit. Every
function here only reads what it must (the area's dispatchers, a department's users) and writes with one
`notify_many`, so intake stays within its statement budget and the sweep's batch escalation stays a few statements.

| event | who |
|---|---|
| dispatch (intake or the table's move) | the assignee; dispatched to the board: the area's dispatchers |
| escalate (by hand or the sweep) | the new assignee; at the street: the street's dispatchers |
| return (退单) | the area's dispatchers |
| handle | the reporter (please verify) |
| fail_verification, reopen | the assignee (else the dispatchers) |
| close | the reporter (please rate); a public appeal is also published on the notice board |
| rate 不满意 | the area's dispatchers |
| summon | the summoned departments' users |
| a late report-in | whoever summoned the department |

Nobody is told about their own move. Texts are rendered in the recipient's language (a `language` on the user
when the user model has one, else the site's default, zh-hans).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership, Role, User
from gongzhi.appeals.models import Appeal, Category, Level, Rating, Summons
from gongzhi.areas.codes import ancestor_codes, code_at
from gongzhi.notifications.actions import Note, notify_many

DEFAULT_CHANNELS = ("inbox", "email")
KIND_PREFIX = "appeal."
SUMMARY_CHARS = 60

# kind → (title, body). %(number)s, %(category)s, %(summary)s, %(note)s, %(due)s, %(level)s, %(department)s.
MESSAGES = {
    "dispatched": (
        _("新的派单：%(number)s"),
        _("诉求 %(number)s（%(category)s）已派给您办理，请及时签收。内容：%(summary)s"),
    ),
    "dispatched_board": (
        _("派单池有新诉求：%(number)s"),
        _("诉求 %(number)s（%(category)s）没有承办人，正在派单池等待派遣。内容：%(summary)s"),
    ),
    "escalated": (
        _("诉求上报至%(level)s：%(number)s"),
        _("诉求 %(number)s（%(category)s）已上报至%(level)s，请及时办理；办结期限：%(due)s。内容：%(summary)s"),
    ),
    "returned": (
        _("诉求被退单：%(number)s"),
        _("承办人退回了诉求 %(number)s（%(category)s），请重新派遣。理由：%(note)s"),
    ),
    "handled": (
        _("您的诉求已处置，请核查：%(number)s"),
        _("您反映的诉求 %(number)s 已处置完毕，请核查处置结果。处置说明：%(note)s"),
    ),
    "rework": (
        _("诉求需要返工：%(number)s"),
        _("诉求 %(number)s（%(category)s）需要重新办理；新的办结期限：%(due)s。理由：%(note)s"),
    ),
    "closed": (
        _("您的诉求已办结，请评价：%(number)s"),
        _("您反映的诉求 %(number)s 已办结，请对办理结果作出评价（满意、基本满意或不满意）。"),
    ),
    "unsatisfied": (
        _("诉求人评价不满意：%(number)s"),
        _("诉求人对诉求 %(number)s（%(category)s）的办理结果不满意，已自动返工。"),
    ),
    "summoned": (
        _("吹哨召集：%(number)s"),
        _("%(department)s 被召集处置诉求 %(number)s（%(category)s），请在 %(due)s 前报到。事由：%(note)s"),
    ),
    "late_report_in": (
        _("部门超时报到：%(number)s"),
        _("%(department)s 就诉求 %(number)s 报到，晚于报到时限 %(due)s。"),
    ),
}

DISPATCH_ROLES = rules.RULES["appeals.dispatch"]


def channels() -> tuple[str, ...]:
    return tuple(getattr(settings, "APPEALS_NOTIFICATION_CHANNELS", DEFAULT_CHANNELS))


def link(appeal_id: int) -> str:
    return f"/appeals/{appeal_id}/"


def _language(user: User | _UserRef) -> str:
    wanted = getattr(user, "language", "") or ""
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


class Message:
    """One event about one appeal, sent to any number of users, each in their language."""

    def __init__(self, kind: str, appeal: Appeal, *, category: str = "", **params: Any) -> None:
        self.kind = kind
        self.appeal = appeal
        self.params = {
            "number": appeal.number,
            "category": category or "—",
            "summary": (appeal.description or "")[:SUMMARY_CHARS],
            "note": "—",
            "due": _when(appeal.due_at),
            "level": "",
            "department": "",
            # `is`/isinstance, not ==: comparing a lazy label would translate it once per appeal.
            **{k: v for k, v in params.items() if v is not None and not (isinstance(v, str) and not v)},
        }

    def render(self, language: str, texts: Texts) -> tuple[str, str]:
        title, body = texts.templates(self.kind, language)
        params = {k: texts.text(v, language) for k, v in self.params.items()}
        return (title % params)[:200], body % params

    def note_for(self, user: User | _UserRef, texts: Texts) -> Note:
        title, body = self.render(_language(user), texts)
        return Note(
            user_id=user.pk,
            kind=KIND_PREFIX + self.kind,
            title=title,
            body=body,
            link=link(self.appeal.pk),
            data={"appeal_id": self.appeal.pk, "number": self.appeal.number},
        )


class Texts:
    """Translations looked up once per batch and language (switching the active language per note costs more
    than the rest of a note put together when the sweep sends ten thousand)."""

    def __init__(self) -> None:
        self._templates: dict[tuple[str, str], tuple[str, str]] = {}
        self._lazy: dict[tuple[str, int], str] = {}

    def templates(self, kind: str, language: str) -> tuple[str, str]:
        key = (kind, language)
        if key not in self._templates:
            title, body = MESSAGES[kind]
            with translation.override(language):
                self._templates[key] = (str(title), str(body))
        return self._templates[key]

    def text(self, value: Any, language: str) -> str:
        if not isinstance(value, Promise):
            return value if isinstance(value, str) else str(value)
        key = (language, id(value))
        if key not in self._lazy:
            with translation.override(language):
                self._lazy[key] = str(value)
        return self._lazy[key]


def _send(pairs: Iterable[tuple[Message, Iterable[Any]]], *, actor: User | None = None) -> int:
    """Queue each message to its users (not the actor, each user once per message) in one bulk insert."""
    actor_id = getattr(actor, "pk", None)
    texts = Texts()
    notes = []
    for message, users in pairs:
        seen: set[int] = set()
        for user in users:
            if user is None or user.pk in seen or user.pk == actor_id:
                continue
            seen.add(user.pk)
            notes.append(message.note_for(user, texts))
    notify_many(notes=notes, channels=channels())
    return len(notes)


# ---------------------------------------------------------------------------------------------------------------
# Recipients


def _ladder(area_code: str, level: str) -> list[str]:
    """The appeal's area codes from the level's own area up to the district, nearest first."""
    return ancestor_codes(code_at(area_code, level))[::-1]


def dispatchers_for(appeals: list[Appeal]) -> dict[int, list[Any]]:
    """Each appeal's dispatchers at its handling level: the nearest area up the tree where anyone holds
    `appeals.dispatch` (a grid's workers, else the community's, else the street's staff), in one query."""
    ladders = {a.pk: _ladder(a.area_code, a.handling_level) for a in appeals}
    codes = {code for ladder in ladders.values() for code in ladder}
    if not codes:
        return {}
    rows = (
        Membership.objects.filter(role__in=DISPATCH_ROLES, area__code__in=codes, user__is_active=True)
        .select_related("user", "area")
        .order_by("user_id")
    )
    by_code: dict[str, list[Any]] = {}
    for membership in rows:
        by_code.setdefault(membership.area.code, []).append(membership.user)
    return {pk: next((by_code[c] for c in ladder if c in by_code), []) for pk, ladder in ladders.items()}


def _assignee(appeal: Appeal) -> Any:
    return appeal.assignee if appeal.assignee_id is not None else None


def _category_name(appeal: Appeal) -> str:
    return appeal.category.name if appeal.category is not None else ""


LEVEL_LABELS = {level.value: level.label for level in Level}


def _level_label(level: str) -> Any:
    return LEVEL_LABELS.get(level, level)


# ---------------------------------------------------------------------------------------------------------------
# Events


def dispatched(appeal: Appeal, *, actor: User | None = None) -> int:
    """A dispatch (intake's automatic one too): to the assignee, or to the dispatchers when on the board."""
    category = _category_name(appeal)
    assignee = _assignee(appeal)
    if assignee is not None:
        return _send([(Message("dispatched", appeal, category=category), [assignee])], actor=actor)
    board = dispatchers_for([appeal])[appeal.pk]
    return _send([(Message("dispatched_board", appeal, category=category), board)], actor=actor)


def escalated(appeals: list[Appeal], *, actor: User | None = None) -> int:
    """Escalations (one by hand, or the sweep's whole batch): the new assignee, else the level's dispatchers.

    A constant number of queries whatever the batch size: category names and dispatchers are read once, the
    notes are inserted by notify_many in bulk.
    """
    if not appeals:
        return 0
    names = dict(
        Category.objects.filter(pk__in={a.category_id for a in appeals if a.category_id}).values_list("pk", "name")
    )
    on_board = [a for a in appeals if a.assignee_id is None]
    board = dispatchers_for(on_board) if on_board else {}
    assignees = _users({a.assignee_id for a in appeals if a.assignee_id is not None})
    pairs = []
    for appeal in appeals:
        message = Message(
            "escalated",
            appeal,
            category=names.get(appeal.category_id, "") if appeal.category_id is not None else "",
            level=_level_label(appeal.handling_level),
        )
        users = [assignees[appeal.assignee_id]] if appeal.assignee_id is not None else board.get(appeal.pk, [])
        pairs.append((message, users))
    return _send(pairs, actor=actor)


class _UserRef:
    """Enough of a user to address a note: its id and (if the user model has one) its language."""

    def __init__(self, pk: int, language: str = "") -> None:
        self.pk = pk
        self.language = language


def _users(ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    if "language" not in {f.name for f in User._meta.get_fields()}:
        # No per-user language: everyone reads the default, and no user rows need reading.
        return {pk: _UserRef(pk) for pk in ids}
    rows = User.objects.filter(pk__in=ids).values_list("pk", "language")  # type: ignore[misc]  # only once User has a language field (checked above)
    return {pk: _UserRef(pk, lang) for pk, lang in rows}


def after_move(appeal: Appeal, action: str, *, actor: User | None, note: str, event_data: dict[str, Any]) -> None:
    """The one call of appeal_transition after a move: queue what this move tells whom."""
    category = _category_name(appeal)
    if action == "dispatch":
        dispatched(appeal, actor=actor)
    elif action == "escalate":
        escalated([appeal], actor=actor)
    elif action == "return":
        board = dispatchers_for([appeal])[appeal.pk]
        _send([(Message("returned", appeal, category=category, note=note), board)], actor=actor)
    elif action == "handle":
        _send([(Message("handled", appeal, category=category, note=note), [appeal.reporter])], actor=actor)
    elif action in ("fail_verification", "reopen"):
        users = [_assignee(appeal)] if appeal.assignee_id is not None else dispatchers_for([appeal])[appeal.pk]
        _send([(Message("rework", appeal, category=category, note=note), users)], actor=actor)
    elif action == "close":
        _send([(Message("closed", appeal, category=category), [appeal.reporter])], actor=actor)
        if appeal.is_public:
            from gongzhi.appeals.board import publish_result

            publish_result(appeal=appeal)
    elif action == "rate" and event_data.get("rating") == Rating.UNSATISFIED:
        board = dispatchers_for([appeal])[appeal.pk]
        _send([(Message("unsatisfied", appeal, category=category), board)], actor=actor)


def summoned(appeal: Appeal, summonses: list[Summons], *, actor: User | None, reason: str) -> int:
    """Each summoned department's users hear of the summons and its report-in deadline."""
    by_department: dict[int, list[Any]] = {}
    members = Membership.objects.filter(
        role=Role.DEPARTMENT, department_id__in=[s.department_id for s in summonses], user__is_active=True
    ).select_related("user")
    for membership in members:
        if membership.department_id is not None:  # always: the filter names the departments
            by_department.setdefault(membership.department_id, []).append(membership.user)
    category = _category_name(appeal)
    pairs = [
        (
            Message(
                "summoned",
                appeal,
                category=category,
                note=reason,
                due=_when(s.report_by),
                department=s.department.name,
            ),
            by_department.get(s.department_id, []),
        )
        for s in summonses
    ]
    return _send(pairs, actor=actor)


def reported_in_late(summons: Summons, *, actor: User | None) -> int:
    """A department reported in after its deadline: whoever summoned it hears of it."""
    message = Message(
        "late_report_in",
        summons.appeal,
        due=_when(summons.report_by),
        department=summons.department.name,
    )
    return _send([(message, [summons.summoned_by])], actor=actor)
