"""seed_volunteering fills the demo once; running it again adds nothing."""

import io

import pytest
from django.core.management import CommandError, call_command

from gongzhi.volunteering.models import Activity, Brand, Project, Team


def test_seed_is_idempotent(district):
    out = io.StringIO()
    call_command("seed_volunteering", stdout=out)
    assert "teams: 4" in out.getvalue()
    counts = (Brand.objects.count(), Team.objects.count(), Project.objects.count(), Activity.objects.count())
    assert counts == (2, 4, 4, 8)  # two communities in the test street; a service activity, a camp and 6 classes
    camp = Activity.objects.get(title="暑期夏令营")
    assert camp.parts.count() == 6 and {p.min_age for p in camp.parts.all()} == {8}
    assert Project.objects.filter(kind="social_worker_led").count() == 2
    call_command("seed_volunteering", stdout=io.StringIO())
    assert (Brand.objects.count(), Team.objects.count(), Project.objects.count(), Activity.objects.count()) == counts


def test_needs_the_demo_first(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_volunteering", stdout=io.StringIO())
