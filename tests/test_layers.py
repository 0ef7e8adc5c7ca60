"""The layer contracts stay as docs/architecture.md describes them: run by the test command, with no escapes."""

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_test_command_checks_the_contracts():
    assert '"$VENV/bin/lint-imports"' in (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")


def test_no_contract_ignores_an_import_and_every_package_has_a_layer():
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter", encoding="utf-8")
    contracts = [config[name] for name in config.sections() if name.startswith("importlinter:contract:")]
    assert {c["type"] for c in contracts} == {"layers", "acyclic_siblings"}
    assert not any("ignore_imports" in c for c in contracts)
    layers = next(c for c in contracts if c["type"] == "layers")
    assert layers["exhaustive"] == "true"
    named = {name.strip() for line in layers["layers"].split("\n") for name in line.split("|") if name.strip()}
    packages = {p.name for p in (ROOT / "gongzhi").iterdir() if (p / "__init__.py").exists()}
    assert packages <= named
