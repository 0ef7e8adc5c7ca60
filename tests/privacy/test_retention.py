"""The retention sweep deletes only what is past its period and keeps the rest; settings refuse a period below the
legal minimum at start-up."""

import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from gongzhi.core import retention
from gongzhi.core.errors import Conflict
from gongzhi.core.models import AuditEvent
from gongzhi.rosters.actions import roster_import_commit_good_rows
from gongzhi.rosters.models import ImportJob
from gongzhi.rosters.progress import progress_read, progress_write
from gongzhi.rosters.retention import uploads_purge
from tests.privacy.conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.UPLOAD_RETENTION_DAYS = 30
    return settings.MEDIA_ROOT


def _job(user, *, status, finished_days_ago, errors=True):
    job = ImportJob(kind="residents", status=status, created_by=user, total_rows=10, error_count=2 if errors else 0)
    job.created_at = NOW - dt.timedelta(days=finished_days_ago + 1)
    job.finished_at = None if status in ("pending", "validating") else NOW - dt.timedelta(days=finished_days_ago)
    job.errors = [{"row": 3, "reason": "身份证号 370211198001010012 校验位不对"}] if errors else []
    job.file.save("upload.xlsx", ContentFile(b"PK workbook with ID numbers"), save=False)
    if errors:
        job.error_file.save("errors.xlsx", ContentFile(b"PK error workbook"), save=False)
    job.save()
    progress_write(job.pk, phase="write", done=10, total=10)
    return job


def test_only_finished_uploads_past_the_period_lose_their_files(
    district, clock, media, django_capture_on_commit_callbacks
):
    user = district["community_worker_a"]
    old = _job(user, status="done", finished_days_ago=31)
    old_rejected = _job(user, status="rejected", finished_days_ago=40)
    recent = _job(user, status="done", finished_days_ago=29)
    running = _job(user, status="validating", finished_days_ago=60)
    old_paths = [Path(old.file.path), Path(old.error_file.path), Path(old_rejected.file.path)]
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the row's change commits
        assert uploads_purge() == 2
    for path in old_paths:
        assert not path.exists()
    for job in (old, old_rejected):
        job.refresh_from_db()
        assert not job.file and not job.error_file and job.errors == []
        assert "保留期限" in job.message and job.total_rows == 10  # the record of the import stays
        assert progress_read(job.pk) is None
    for job in (recent, running):
        job.refresh_from_db()
        assert job.file and Path(job.file.path).exists() and job.errors
    assert AuditEvent.objects.filter(action="retention.upload_deleted").count() == 2
    assert uploads_purge() == 0  # a second pass finds nothing more


def test_good_rows_of_a_purged_upload_cannot_be_imported_any_more(district, clock, media):
    job = _job(district["community_worker_a"], status="rejected", finished_days_ago=31)
    assert job.can_commit_good_rows
    uploads_purge()
    job.refresh_from_db()
    assert not job.can_commit_good_rows
    with pytest.raises(Conflict, match="重新上传"):
        roster_import_commit_good_rows(actor=district["community_worker_a"], job=job)
    assert ImportJob.objects.get(pk=job.pk).status == "rejected"


def _audit(days_ago):
    return AuditEvent.objects.create(action="test.event", target_type="t", target_id="1",
                                     occurred_at=NOW - dt.timedelta(days=days_ago))  # fmt: skip


def test_audit_events_older_than_the_period_go_and_the_purge_is_itself_audited(settings, clock):
    settings.AUDIT_RETENTION_DAYS = 365
    old, older = _audit(366), _audit(800)
    kept = [_audit(364), _audit(1)]
    assert retention.audit_purge(batch=1) == 2  # in batches
    left = set(AuditEvent.objects.filter(action="test.event").values_list("pk", flat=True))
    assert left == {e.pk for e in kept} and not left & {old.pk, older.pk}
    purge = AuditEvent.objects.get(action="retention.audit_purged")
    assert purge.data["deleted"] == 2 and purge.data["days"] == 365


def test_zero_keeps_the_audit_log_for_ever(settings, clock):
    settings.AUDIT_RETENTION_DAYS = 0
    _audit(5000)
    assert retention.audit_purge() == 0
    assert AuditEvent.objects.filter(action="test.event").count() == 1
    assert not AuditEvent.objects.filter(action="retention.audit_purged").exists()


def test_a_period_below_the_legal_minimum_is_refused_even_when_settings_are_overridden(settings, clock):
    settings.AUDIT_RETENTION_DAYS = 90
    _audit(100)
    with pytest.raises(ValueError, match="legal minimum"):
        retention.audit_purge()
    assert AuditEvent.objects.filter(action="test.event").count() == 1


def test_the_audit_log_stays_append_only_for_everyone_else(clock):
    from gongzhi.core.models import AppendOnlyError

    _audit(1000)
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_left_over_export_files_past_the_period_are_removed(settings, tmp_path):
    settings.EXPORT_RETENTION_HOURS = 24
    now = dt.datetime.now(dt.UTC)
    files = {
        "roster-export-abc.xlsx": 25, "roster-errors-abc.xlsx": 48, "roster-xyz.spill": 30,
        "inspections-export-q.xlsx": 100, "roster-export-new.xlsx": 1, "someone-else.xlsx": 100,
        "roster-notes.txt": 100,
    }  # fmt: skip
    for name, hours in files.items():
        path = tmp_path / name
        path.write_bytes(b"x")
        stamp = (now - dt.timedelta(hours=hours)).timestamp()
        os.utime(path, (stamp, stamp))
    assert retention.exports_purge(at=now, directory=tmp_path) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roster-export-new.xlsx", "roster-notes.txt",
                                                          "someone-else.xlsx"]  # fmt: skip


def test_every_exporter_writes_under_a_prefix_the_sweep_knows():
    found = set()
    for path in (ROOT / "gongzhi").rglob("*.py"):
        found |= set(re.findall(r'NamedTemporaryFile\(prefix="([^"]+)"', path.read_text(encoding="utf-8")))
    assert found, "the scan found the exporters"
    assert all(prefix.startswith(retention.EXPORT_PREFIXES) for prefix in found), found


def test_the_command_runs_one_pass(district, clock, media, settings):
    settings.AUDIT_RETENTION_DAYS = 184
    _job(district["community_worker_a"], status="done", finished_days_ago=31)
    _audit(200)
    out = io.StringIO()
    call_command("sweep_retention", "--once", stdout=out)
    assert "1 roster upload(s)" in out.getvalue() and "1 audit event(s)" in out.getvalue()


# --- start-up refuses bad settings (settings are read once per process: a subprocess each) ------------------------


def _check(**env):
    full = {k: v for k, v in os.environ.items() if not k.endswith(("_RETENTION_DAYS", "_RETENTION_HOURS"))}
    full |= env
    return subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=full, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AUDIT_RETENTION_DAYS": "90"}, "Cybersecurity Law (art. 21) keeps network logs at least six months"),
        ({"AUDIT_RETENTION_DAYS": "183"}, "set at least 184 days"),
        ({"AUDIT_RETENTION_DAYS": "-1"}, "AUDIT_RETENTION_DAYS=-1"),
        ({"AUDIT_RETENTION_DAYS": "half a year"}, "AUDIT_RETENTION_DAYS must be a whole number"),
        ({"UPLOAD_RETENTION_DAYS": "0"}, "UPLOAD_RETENTION_DAYS=0 is not valid"),
        ({"EXPORT_RETENTION_HOURS": "x"}, "EXPORT_RETENTION_HOURS must be a whole number"),
    ],
)
def test_start_up_refuses_a_bad_retention_setting_naming_it(env, message):
    result = _check(**env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("days", ["0", "184", "3650"])
def test_start_up_accepts_the_minimum_and_longer(days):
    result = _check(AUDIT_RETENTION_DAYS=days)
    assert result.returncode == 0, result.stderr
