"""Background work for roster imports. The task lives in import_job beside the run it starts; it is named here
too because queued rows written before it moved refer to it by this path."""

from gongzhi.rosters.import_job import roster_import_task as roster_import_task
