"""Noticeboard fixtures: the appeal fixtures (categories, on-duty workers, submit) and a closed public appeal."""

import pytest

from gongzhi.appeals.actions import appeal_transition
from tests.appeals.conftest import categories, duty, submit  # noqa: F401 - fixtures shared with the appeals tests


def run(district, appeal, persona, action, **kwargs):
    return appeal_transition(actor=district[persona], appeal=appeal.pk, action=action, **kwargs)


@pytest.fixture
def close(submit, duty):  # noqa: F811
    """Submit as resident_a (with contact data), handle with `note`, verify and close; returns the appeal."""

    def _close(*, is_public=True, note="已清理干净，恢复整洁", photo=None):
        appeal = submit(is_public=is_public, contact_name="王小明", contact_phone="13912345678", address="7号楼2单元")
        run(duty, appeal, "microgrid_worker_a", "accept")
        if photo is not None:
            photo(appeal)
        run(duty, appeal, "microgrid_worker_a", "handle", note=note)
        run(duty, appeal, "grid_worker_a", "verify")
        return run(duty, appeal, "grid_worker_a", "close")

    return _close
