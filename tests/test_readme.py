"""README stays true: two Quick start commands, .ci/run calls the test one, the demo login table matches the seed."""

import re
from pathlib import Path

from gongzhi.people.demo.logins import DEMO_LOGINS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second():
    block = re.search(r"^## Quick start\n+```bash\n(.*?)```", README, re.S | re.M).group(1)
    commands = [line.strip() for line in block.splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[1] in (ROOT / ".ci" / "run").read_text()


def test_demo_login_table_matches_the_seed():
    section = README.split("## Demo logins", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| .*? \| .*?(\d{6,17})\)?\s*\|$", section, re.M)
    assert rows == [(login.username, login.area_code) for login in DEMO_LOGINS]


def test_every_page_in_the_pages_table_exists():
    from django.urls import Resolver404, resolve

    section = README.split("## Pages", 1)[1].split("\n## ", 1)[0]
    urls = re.findall(r"`(/[^`]*)`", section)
    assert len(urls) > 20
    missing = []
    for url in urls:
        concrete = re.sub(r"<id>", "1", url).replace("<area code>", "370211001")
        try:
            resolve(concrete)
        except Resolver404:
            missing.append(url)
    assert missing == []


def test_the_configuration_table_lists_every_variable_the_settings_read():
    settings_source = (ROOT / "gongzhi" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', settings_source))
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = {name for row in re.findall(r"^\| (.*?) \|", section, re.M) for name in re.findall(r"`(\w+)`", row)}
    assert len(read) > 20
    assert read - documented == set()
