"""Background work for appeals; thin, the actions do everything."""

from django_tasks import task

from gongzhi.appeals import actions


@task()
def sweep_deadlines_task() -> int:
    """One deadline sweep (the `sweep_deadlines` command loops over the same action)."""
    return len(actions.sweep_deadlines().escalated)
