"""The one free-text check (core.text.clean_text): a string, stripped, not empty when required, not too long."""

from pathlib import Path

import pytest
from django.utils import translation

from gongzhi.core.errors import ValidationFailed
from gongzhi.core.text import clean_text

ROOT = Path(__file__).resolve().parents[2] / "gongzhi"


@pytest.mark.parametrize(
    ("value", "clean"),
    [(None, ""), ("", ""), ("  ", ""), ("  路灯不亮 \n", "路灯不亮"), ("\t楼道\u3000堆物 ", "楼道\u3000堆物")],
)
def test_text_is_stripped_and_none_is_empty(value, clean):
    assert clean_text(value, field="note") == clean


@pytest.mark.parametrize("value", [None, "", "   ", "\n\t"])
def test_a_required_text_may_not_be_empty_or_blank(value):
    with pytest.raises(ValidationFailed) as exc:
        clean_text(value, field="description", required=True)
    assert exc.value.field == "description"
    assert str(exc.value) == "description 不能为空"


@pytest.mark.parametrize("value", [0, 12, 1.5, True, ["a"], {"a": 1}, b"bytes"])
def test_anything_but_a_string_is_refused_not_converted(value):
    with pytest.raises(ValidationFailed) as exc:
        clean_text(value, field="address")
    assert exc.value.field == "address"
    assert str(exc.value) == "address 必须是文本"


def test_the_length_limit_counts_characters_after_stripping():
    assert clean_text("  " + "字" * 10 + "  ", field="name", max_length=10) == "字" * 10
    with pytest.raises(ValidationFailed) as exc:
        clean_text("字" * 11, field="name", max_length=10)
    assert exc.value.field == "name"
    assert str(exc.value) == "name 太长：最多 10 个字符"


def test_the_default_limit_is_2000():
    assert len(clean_text("a" * 2000, field="note")) == 2000
    with pytest.raises(ValidationFailed, match="2000"):
        clean_text("a" * 2001, field="note")


def test_the_messages_are_translated():
    with translation.override("en"):
        with pytest.raises(ValidationFailed) as empty:
            clean_text(" ", field="title", required=True)
        with pytest.raises(ValidationFailed) as long:
            clean_text("abc", field="title", max_length=2)
        with pytest.raises(ValidationFailed) as kind:
            clean_text(3, field="title")
    for exc in (empty, long, kind):
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value)), str(exc.value)


def test_no_module_keeps_its_own_copy_of_the_check():
    """The three copies (appeals actions, appeals workflow, volunteering) were merged into core.text."""
    copies = [
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if path.name != "text.py" and ('必须是文本") % {' in (src := path.read_text()) or "太长：最多 %(max)d" in src)
    ]
    assert copies == []
