"""The demo of README's first command: every seed the run script calls, in the script's order, on one small demo
district, then all of them again (the script is idempotent). Each app's own seed test runs its seed alone; this one
catches what one seed leaves that breaks the next (a resident given a login by one seed, rated for by another)."""

import io
import re
import shlex
from pathlib import Path

from django.core.management import call_command

from gongzhi.people.demo.loader import seed_demo

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "setup_and_run.sh"


def seed_commands() -> list[list[str]]:
    """The `manage seed_…` lines of the run script after the district itself (seed_demo), in order."""
    lines = re.findall(r"^manage (seed_(?!demo)\S+.*)$", SCRIPT.read_text(encoding="utf-8"), re.M)
    return [shlex.split(line) for line in lines]


def test_the_script_seeds_every_app():
    names = [command[0] for command in seed_commands()]
    for expected in ("seed_points", "seed_volunteering", "seed_inspections", "seed_deliberation", "seed_matching"):
        assert expected in names
    assert "seed_care" in names


def test_every_seed_runs_after_the_others_and_again(db):
    seed_demo(size="S", seed=0, progress=False)
    for run in (1, 2):
        for command in seed_commands():
            out = io.StringIO()
            call_command(*command, stdout=out, stderr=io.StringIO())
            assert "Traceback" not in out.getvalue(), (run, command)
