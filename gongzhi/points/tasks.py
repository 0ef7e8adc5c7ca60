"""Background work for the points bank; thin, the actions do everything."""

from django_tasks import task

from gongzhi.points import actions


@task()
def post_due_awards_task() -> dict[str, int]:
    return actions.post_due_awards()
