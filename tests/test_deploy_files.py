"""The example deployment under deploy/ (docs/deployment.md) names only programs and commands that exist.

systemd-analyze is not available here, so this checks what it cannot: every ExecStart runs a program of the
project's virtualenv or a manage.py command Django knows, every timer starts a unit that is shipped, the sweep
timers cover every sweep command, and nginx proxies to the socket gunicorn binds.
"""

import configparser
import re
import shlex
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "deploy" / "systemd"
INSTALL = "/srv/gongzhi/"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def _timers() -> list[Path]:
    return sorted(UNITS.glob("*.timer"))


def _instance_command(service: str, instance: str) -> list[str]:
    argv = shlex.split(_unit(UNITS / service)["Service"]["ExecStart"].replace("%i", instance))
    return argv


@pytest.mark.parametrize("service", sorted(p.name for p in UNITS.glob("*.service")), ids=str)
def test_every_service_runs_a_program_of_the_install(service):
    unit = _unit(UNITS / service)
    argv = shlex.split(unit["Service"]["ExecStart"])
    assert argv[0].startswith(INSTALL)
    program = ROOT / argv[0][len(INSTALL) :]
    assert program.exists(), f"{service}: {argv[0]} is not in the project ({program})"
    assert unit["Service"]["WorkingDirectory"] == INSTALL.rstrip("/")
    if argv[1:2] == ["manage.py"] and argv[2] != "%i":
        assert argv[2] in get_commands(), f"{service}: manage.py {argv[2]} does not exist"
    if "gunicorn" in argv[0]:
        assert argv[1] == "gongzhi.wsgi:application"


@pytest.mark.parametrize("timer", [p.name for p in _timers()], ids=str)
def test_every_timer_starts_a_shipped_unit_and_an_existing_command(timer):
    target = _unit(UNITS / timer)["Timer"]["Unit"]
    template = re.sub(r"@[^.]+\.service$", "@.service", target)
    assert (UNITS / template).exists() or (UNITS / target).exists(), target
    if "@" in target:
        instance = target.split("@", 1)[1].removesuffix(".service")
        argv = _instance_command(template, instance)
        assert argv[2] in get_commands(), f"{timer}: manage.py {argv[2]} does not exist"
        assert argv[3] == "--once"


def test_every_sweep_command_has_a_timer():
    from importlib import import_module

    from gongzhi.core.sweep import SweepCommand

    sweeps = {
        name
        for name, app in get_commands().items()
        if app.startswith("gongzhi")
        and isinstance(getattr(import_module(f"{app}.management.commands.{name}"), "Command", None), type)
        and issubclass(import_module(f"{app}.management.commands.{name}").Command, SweepCommand)
    }
    timed = {p.stem.split("@", 1)[1] for p in _timers() if "@" in p.stem}
    assert sweeps and sweeps <= timed, sweeps - timed


def test_nginx_proxies_to_the_socket_gunicorn_binds():
    web = shlex.split(_unit(UNITS / "gongzhi-web.service")["Service"]["ExecStart"])
    bind = web[web.index("--bind") + 1]
    nginx = (ROOT / "deploy" / "nginx" / "gongzhi.conf").read_text(encoding="utf-8")
    assert f"server {bind} " in nginx
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx


def test_the_example_environment_names_only_settings_that_are_read():
    settings_text = (ROOT / "gongzhi" / "settings.py").read_text(encoding="utf-8")
    for line in (ROOT / "deploy" / "gongzhi.env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name = line.split("=", 1)[0]
            if name in {"WEB_CONCURRENCY", "PROMETHEUS_MULTIPROC_DIR", "DATABASE_URL"}:
                continue  # read by the unit, gunicorn.conf.py and dj-database-url
            assert f'"{name}"' in settings_text, name
