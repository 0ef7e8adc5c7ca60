"""English stays complete: every message in the source has a checked English translation, and pages switch to it.

Chinese (zh-hans) is the source language, so a string missing from locale/en would show Chinese to an English
user without any error; these tests turn that into a failure in CI.
"""

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"

# %(name)s / %(n)d, bare %s / %d, and {name} / {0} placeholders; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|\{[^{}]*\}"
)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass
class Entry:
    msgctxt: str | None = None  # pgettext's context ("nav" for the navigation bar's short labels)
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)
    obsolete: bool = False


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), text)


def parse_po(text: str) -> list[Entry]:
    """A small reader for the subset of the PO format that xgettext/msgmerge write."""
    entries: list[Entry] = []
    entry = Entry()
    current: tuple[str, int] | None = None
    seen_msgid = False

    def finish() -> None:
        nonlocal entry, current, seen_msgid
        if seen_msgid:
            entries.append(entry)
        entry, current, seen_msgid = Entry(), None, False

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            if seen_msgid:
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#:"):
            if seen_msgid:
                finish()
            entry.references.extend(line[2:].split())
            continue
        if line.startswith("#"):
            if seen_msgid:
                finish()
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+"(.*)"$', line)
        if match:
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword in ("msgctxt", "msgid") and seen_msgid:
                finish()
            if keyword == "msgid":
                seen_msgid = True
                entry.msgid = value
                current = ("msgid", 0)
            elif keyword == "msgid_plural":
                entry.msgid_plural = value
                current = ("msgid_plural", 0)
            elif keyword == "msgstr":
                n = int(index or 0)
                entry.msgstr[n] = value
                current = ("msgstr", n)
            else:
                entry.msgctxt = value
                current = ("msgctxt", 0)
            continue
        match = re.match(r'^"(.*)"$', line)
        assert match and current, f"cannot read PO line: {raw!r}"
        value = _unquote(match.group(1))
        kind, n = current
        if kind == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + value
        elif kind == "msgid":
            entry.msgid += value
        elif kind == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
        elif kind == "msgstr":
            entry.msgstr[n] += value
    finish()
    return [e for e in entries if not e.obsolete]


def problems(entries: list[Entry]) -> list[str]:
    """Every reason an entry would not show proper English: untranslated, fuzzy, Chinese left in, placeholders off."""
    found = []
    for e in entries:
        where = f"{e.msgid!r} ({', '.join(e.references[:2]) or 'header'})"
        if "fuzzy" in e.flags:
            found.append(f"fuzzy: {where}")
        if not e.msgid:
            continue
        if not e.msgstr or not all(e.msgstr.values()):
            found.append(f"untranslated: {where}")
            continue
        if e.msgid_plural is not None and sorted(e.msgstr) != [0, 1]:
            found.append(f"English needs exactly two plural forms: {where}")
        for n, text in e.msgstr.items():
            source = e.msgid if n == 0 else (e.msgid_plural or e.msgid)
            if Counter(PLACEHOLDER.findall(source)) != Counter(PLACEHOLDER.findall(text)):
                found.append(
                    f"placeholders differ: {where}: {sorted(PLACEHOLDER.findall(source))} "
                    f"vs {sorted(PLACEHOLDER.findall(text))} in {text!r}"
                )
            # Chinese quoted as an accepted input value (e.g. 男/女) is fine; a whole untranslated
            # phrase is not.
            if len(CJK.findall(text)) > 4 and len(CJK.findall(text)) * 2 > len(CJK.findall(source)):
                found.append(f"still Chinese: {where}: {text!r}")
    return found


def test_the_english_catalogue_is_complete_and_consistent():
    entries = parse_po(PO_PATH.read_text(encoding="utf-8"))
    assert len(entries) > 300
    header = next(e for e in entries if e.msgid == "")
    assert "Language: en\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]
    assert problems(entries) == []
    ids = [(e.msgctxt, e.msgid) for e in entries]
    assert len(ids) == len(set(ids))


def test_the_catalogue_covers_every_message_in_the_source(tmp_path, monkeypatch):
    """Re-extract the messages into a copy: a string added to the code without English shows up here."""
    for part in ("gongzhi", "templates", "locale"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command("makemessages", locale=["en"], verbosity=0, no_obsolete=True)
    refreshed = parse_po((tmp_path / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    committed = {(e.msgctxt, e.msgid) for e in parse_po(PO_PATH.read_text(encoding="utf-8"))}
    new = sorted(e.msgid for e in refreshed if (e.msgctxt, e.msgid) not in committed)
    assert new == [], "run makemessages -l en and translate these"
    assert problems(refreshed) == []


def test_the_checker_catches_the_bad_cases():
    po = r"""
msgid ""
msgstr ""
"Language: en\n"

#: a.py:1
msgid "未翻译"
msgstr ""

#: a.py:2
#, fuzzy, python-format
msgid "共 %(n)d 条"
msgstr "%(n)d items"

#: a.py:3
#, python-format
msgid "用户 %(name)s 不存在"
msgstr "User %(user)s not found"

#: a.py:4
msgid "区域 {code}"
msgstr "Area"

#: a.py:5
msgid "这是一句没有翻译的话"
msgstr "这是一句没有翻译的话"

#: a.py:6
#, python-format
msgid "%(n)s 人"
msgid_plural "%(n)s 人"
msgstr[0] "%(n)s person"
msgstr[1] ""

#: a.py:7
#, python-format
msgid "性别应为“男”或“女”，共 %(n)d"
msgstr ""
"Gender must be “男” or “女”, "
"%(n)d in all"
"""
    entries = parse_po(po)
    assert [e.msgid for e in entries][1:] == [
        "未翻译",
        "共 %(n)d 条",
        "用户 %(name)s 不存在",
        "区域 {code}",
        "这是一句没有翻译的话",
        "%(n)s 人",
        "性别应为“男”或“女”，共 %(n)d",
    ]
    assert entries[-1].msgstr[0] == "Gender must be “男” or “女”, %(n)d in all"
    found = problems(entries)
    assert len(found) == 6
    assert found[0].startswith("untranslated: '未翻译'")
    assert found[1].startswith("fuzzy: '共 %(n)d 条'")
    assert found[2].startswith("placeholders differ: '用户 %(name)s 不存在'")
    assert found[3].startswith("placeholders differ: '区域 {code}'")
    assert found[4].startswith("still Chinese: '这是一句没有翻译的话'")
    assert found[5].startswith("untranslated: '%(n)s 人'")


@pytest.fixture
def english_catalogue(tmp_path):
    """Compile the committed .po (msgfmt --check also verifies python-format placeholders) into a fresh locale dir."""
    target = tmp_path / "locale" / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    subprocess.run(
        ["msgfmt", "--check", "-o", str(target / "django.mo"), str(PO_PATH)], check=True, capture_output=True
    )
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        yield


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["cookie", "accept-language"])
def test_the_login_page_is_english_when_asked(english_catalogue, how):
    client = Client()
    if how == "cookie":
        client.cookies["django_language"] = "en"
        html = client.get("/login/").content.decode()
    else:
        html = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="en">' in html
    assert "<h1>Sign in</h1>" in html
    assert "Username or phone number" in html
    assert "New resident?" in html
    # The brand (共治) and the language button (中文) are Chinese on purpose; nothing else is.
    rest = html.replace(">共治<", "><").replace(">中文<", "><")
    assert CJK.findall(rest) == []


@pytest.mark.django_db
def test_a_wrong_password_is_explained_in_english(english_catalogue, district):
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.post("/login/", {"username": "community_worker_a", "password": "wrong-password"})
    assert response.status_code == 400
    assert "Wrong username or password" in response.content.decode()


@pytest.mark.django_db
def test_chinese_stays_the_default(english_catalogue):
    html = Client().get("/login/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "用户名或手机号" in html and "Username or phone number" not in html
