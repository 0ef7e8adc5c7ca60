"""A roster import during a PII_KEY rotation matches the residents and party members not rotated yet (no
duplicates) and brings them to the new key."""

import pytest

from gongzhi.core import pii
from gongzhi.people.models import Household, Resident
from gongzhi.rosters.models import ImportStatus
from tests.conftest import MICRO_B
from tests.operations.test_rotate_pii_key import NEW, OLD
from tests.rosters.conftest import tags  # noqa: F401 - fixture
from tests.rosters.test_import_clean import residents_workbook


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_second_import_under_the_new_key_finds_the_old_rows(district, tags, settings):  # noqa: F811
    from tests.rosters.conftest import run_import

    Household.objects.create(number="H-200", area=district.areas[MICRO_B], area_code=MICRO_B, address="B")
    first = run_import(district["street_staff"], "residents", residents_workbook())
    assert first.status == ImportStatus.DONE and first.created_count == 4
    before = dict(Resident.objects.values_list("pk", "id_number_encrypted"))

    settings.PII_KEY, settings.PII_KEY_PREVIOUS = NEW, OLD
    again = run_import(district["street_staff"], "residents", residents_workbook())
    assert again.status == ImportStatus.DONE, again.message
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 4)
    after = dict(Resident.objects.values_list("pk", "id_number_encrypted"))
    assert after.keys() == before.keys()  # the same four residents, no duplicates
    assert all(pii.is_current(token) and token != before[pk] for pk, token in after.items())
