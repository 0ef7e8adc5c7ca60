"""Background delivery; thin, delivery does everything."""

from django_tasks import task

from gongzhi.notifications import delivery


@task()
def deliver_notifications_task(message_ids: list[int]) -> dict[str, int]:
    return delivery.deliver_pending(ids=message_ids)


@task()
def deliver_due_notifications_task() -> dict[str, int]:
    return delivery.deliver_due()
