"""Places in micro-grid A (grid worker A responsible) and B, the seeded templates, and a clock fixed at 10:00."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from gongzhi.inspections.actions.places import place_create
from gongzhi.inspections.models import ChecklistTemplate
from gongzhi.inspections.seeding import seed_templates
from tests.conftest import MICRO_A, MICRO_B

NOW = timezone.make_aware(dt.datetime(2026, 6, 15, 10, 0))


@pytest.fixture
def at():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def templates(district, at):
    call_command("seed_categories", verbosity=0)
    seed_templates()
    return {t.code: t for t in ChecklistTemplate.objects.filter(is_current=True)}


def centre(area):
    return area.point_lat, area.point_lng


@pytest.fixture
def restaurant(district, templates):
    lat, lng = centre(district.areas[MICRO_A])
    return place_create(
        actor=district["community_worker_a"],
        area=MICRO_A,
        name="老王家常菜馆",
        kind="restaurant",
        address="灵山卫1社区 商业街 3 号",
        contact_name="王先生",
        contact_phone="13705321001",
        lat=lat,
        lng=lng,
        responsible_id=district["grid_worker_a"].pk,
    )


@pytest.fixture
def shop_b(district, templates):
    return place_create(actor=district["street_staff"], area=MICRO_B, name="便民超市", kind="shop")


def jpeg_with_gps() -> bytes:
    """A small JPEG carrying EXIF with a GPS block (what a phone camera writes)."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (36.0, 1.0, 2.0), 3: "E", 4: (120.0, 3.0, 4.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def passing(template, **overrides):
    """Answers that pass every shown item of `template` (photos n.a.), with `overrides` by key (None: leave out)."""
    answers = {}
    for item in template.items.all():
        cond = item.condition
        earlier = answers.get(cond["item"]) if cond else None
        hidden = cond and (earlier is None or ("result" in cond and earlier["result"] != cond["result"]))
        if hidden and item.key not in overrides:
            continue
        answer = {"item": item.key, "result": "pass"}
        if item.kind == "number":
            answer["value"] = 2
        elif item.kind == "choice":
            answer["value"] = item.choices[0]
        elif item.kind == "photo":
            answer["result"] = "na"
        answers[item.key] = answer
    for key, value in overrides.items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = {"item": key, **value}
    return list(answers.values())
