"""The demo of README's first command, seeded in a test: seed_demo (size S) and every seed of the run script."""

import io

from django.core.management import call_command

from gongzhi.people.demo.loader import seed_demo
from tests.test_setup_seeds import seed_commands


def seed_everything() -> str:
    """seed_demo S, then every `manage seed_…` line of scripts/setup_and_run.sh in order; seed_history's output."""
    seed_demo(size="S", seed=0, progress=False)
    out = io.StringIO()
    for command in seed_commands():
        call_command(*command, stdout=out, stderr=io.StringIO())
    return out.getvalue()
