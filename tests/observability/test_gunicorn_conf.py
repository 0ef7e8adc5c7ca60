"""gunicorn.conf.py: sets PROMETHEUS_MULTIPROC_DIR unless given, empties it when gunicorn starts, marks dead workers,
and logs the request id on each access line."""

import os
import runpy
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[2]


def test_the_multiprocess_directory_is_set_emptied_and_dead_workers_marked(tmp_path, monkeypatch):
    directory = tmp_path / "prom"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["MULTIPROC_DIR"] == directory
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"old")
    conf["on_starting"](None)
    assert directory.is_dir() and list(directory.iterdir()) == []
    (directory / "gauge_livesum_42.db").write_bytes(b"")
    conf["child_exit"](None, SimpleNamespace(pid=42))
    assert not (directory / "gauge_livesum_42.db").exists()
    assert "rid=%({x-request-id}o)s" in conf["access_log_format"]


def test_without_the_variable_it_is_var_prometheus(monkeypatch):
    before = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    # setenv first, so that the undo also removes what the file sets (the rest of the run stays single-process).
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "placeholder")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["MULTIPROC_DIR"] == ROOT / "var" / "prometheus"
    monkeypatch.undo()
    assert os.environ.get("PROMETHEUS_MULTIPROC_DIR") == before
