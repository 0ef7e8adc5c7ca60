"""One countdown wording (core.countdown) on every page, and the page script (static/js/countdown.js) says the same."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from gongzhi.core.countdown import countdown_formats, countdown_text

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "static" / "js" / "countdown.js"
SAMPLES = [0, 1, 59, 60, 61, 420, 3599, 3600, 3661, 86399, 86400, 90061, 2 * 86400 + 5, -1, -300, -7200, -90061]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "剩余 0分钟0秒"),
        (420, "剩余 7分钟0秒"),
        (3599, "剩余 59分钟59秒"),
        (3600, "剩余 1小时0分钟"),
        (3661, "剩余 1小时1分钟"),
        (86399, "剩余 23小时59分钟"),
        (86400, "剩余 1天0小时"),
        (90061, "剩余 1天1小时"),
        (-1, "超时 0分钟1秒"),
        (-300, "超时 5分钟0秒"),
        (-7200, "超时 2小时0分钟"),
        (-2 * 86400 - 3600 * 23, "超时 2天23小时"),
    ],
)
def test_the_words_in_chinese(seconds, text):
    assert countdown_text(seconds) == text


def test_no_deadline_is_no_text():
    assert countdown_text(None) == ""


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(420, "7min 0s left"), (3661, "1h 1min left"), (90061, "1d 1h left"), (-300, "overdue by 5min 0s")],
)
def test_the_words_in_english(seconds, text):
    with translation.override("en"):
        assert countdown_text(seconds) == text


def test_minutes_are_always_fen_zhong_so_they_never_read_as_points():
    """分 alone is also "points" on this platform; the countdown says 分钟 in every case."""
    words = countdown_formats()
    assert "分钟" in words["hours"] and "分钟" in words["minutes"]


def test_the_template_tag_and_filter_give_the_same_words():
    html = Template("{% load countdown %}{% countdown_i18n %}|{{ s|countdown }}").render(Context({"s": 3661}))
    script, text = html.split("|")
    assert text == "剩余 1小时1分钟"
    assert script.startswith('<script id="countdown-i18n" type="application/json">')
    assert json.loads(script.split(">", 1)[1].rsplit("</script>", 1)[0]) == countdown_formats()


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (installed with the front-end assets)")
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_script_says_exactly_what_the_server_says(language):
    with translation.override(language):
        formats = countdown_formats()
        expected = [countdown_text(s) for s in SAMPLES]
    program = (
        SCRIPT.read_text()
        + f"\nprocess.stdout.write(JSON.stringify({json.dumps(SAMPLES)}.map(function (s) "
        + f"{{ return globalThis.gongzhiCountdown.text(s, {json.dumps(formats)}); }})));"
    )
    out = subprocess.run(["node", "-e", program], capture_output=True, text=True, check=True, timeout=30)
    assert json.loads(out.stdout) == expected


def test_no_page_keeps_its_own_countdown_wording():
    """The staff pages' 分钟 and the resident pages' 分/秒 versions were merged into core.countdown."""
    sources = [
        *(ROOT / "gongzhi").rglob("*.py"),
        *(ROOT / "gongzhi").rglob("*.html"),
        *(ROOT / "static" / "js").glob("*.js"),
    ]
    copies = [
        str(p.relative_to(ROOT))
        for p in sources
        if p.name not in ("countdown.py", "countdown.js")
        and ("天%(h)d小时" in (src := p.read_text()) or "分%(s)d秒" in src)
    ]
    assert copies == []
