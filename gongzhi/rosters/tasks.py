"""Background work for roster imports; thin, the action does everything."""

from django_tasks import task

from gongzhi.rosters import actions


@task()
def roster_import_task(job_id: int) -> str:
    return actions.roster_import_run(job_id=job_id).status
