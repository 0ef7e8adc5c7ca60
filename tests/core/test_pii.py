"""ID numbers follow GB 11643's checksum; phones are Chinese mobile or landline numbers; masks hide the middle."""

import pytest

from gongzhi.core import pii
from gongzhi.core.errors import ValidationFailed


@pytest.mark.parametrize("value", ["11010519491231002X", "440524188001010014"])
def test_a_known_valid_id_number(value):
    assert pii.normalize_id_number(value.lower()) == value.upper()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "校验位"),
        ("11010519491331002X", "出生日期"),
        ("1101051949123100", "18 位"),
        ("ABCDEFGHIJKLMNOPQR", "18 位"),
        ("", "18 位"),
    ],
)
def test_invalid_id_numbers_name_the_reason(value, reason):
    with pytest.raises(ValidationFailed) as exc:
        pii.normalize_id_number(value)
    assert reason in str(exc.value)
    assert exc.value.field == "id_number"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("138 1234 5678", "13812345678"), ("+8613812345678", "13812345678"), ("0532-86881234", "0532-86881234")],
)
def test_phone_normalisation(raw, clean):
    assert pii.normalize_phone(raw) == clean


@pytest.mark.parametrize("raw", ["12812345678", "1381234567", "abc", "23812345678"])
def test_bad_phones(raw):
    with pytest.raises(ValidationFailed):
        pii.normalize_phone(raw)


def test_masks():
    assert pii.mask_id_number("11010519491231002X") == "110105********002X"
    assert pii.mask_phone("13812345678") == "138****5678"


def test_encryption_round_trip_and_keyed_hash(settings):
    token = pii.encrypt("13812345678")
    assert "13812345678" not in token
    assert pii.decrypt(token) == "13812345678"
    first = pii.lookup_hash("13812345678")
    settings.PII_KEY = "another-key"
    assert pii.lookup_hash("13812345678") != first
