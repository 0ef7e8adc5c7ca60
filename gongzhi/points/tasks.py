"""Background work for the points bank; thin, the actions do everything."""

from django_tasks import task

from gongzhi.points.actions.award_sweep import post_due_awards


@task()
def post_due_awards_task() -> dict[str, int]:
    return post_due_awards()
