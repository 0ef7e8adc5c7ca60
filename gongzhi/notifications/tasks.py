"""Background delivery; thin, the actions do everything."""

from django_tasks import task

from gongzhi.notifications import actions


@task()
def deliver_notifications_task(message_ids: list[int]) -> dict[str, int]:
    return actions.deliver_pending(ids=message_ids)


@task()
def deliver_due_notifications_task() -> dict[str, int]:
    return actions.deliver_due()
