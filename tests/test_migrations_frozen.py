"""Migrations do not change later: they import no app code except the callables they name as field defaults.

A migration that imports a function from the app runs whatever that function does *today*, so an edit to the app
changes what a fresh install runs (0004 used to import `measure_facts.backfill`). Data migrations freeze the code
they need and use historical models (`apps.get_model`). The only app code allowed is what Django itself writes
into a migration by name — field defaults, validators, upload_to callables — and each of those carries a comment
saying migrations reference it, so nobody renames or removes it.
"""

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = sorted(p for p in (ROOT / "gongzhi").glob("*/migrations/[0-9]*.py"))

# Everything of gongzhi a migration may name. Add to it only a callable Django wrote into a migration by name,
# and put the "Migrations reference …" comment above its definition.
ALLOWED = {
    "gongzhi.core.clock.now",
    "gongzhi.core.clock.today",
    "gongzhi.deliberation.models.new_salt",
    "gongzhi.notifications.models.new_delivery_key",
    "gongzhi.volunteering.models._qr_salt",
}
ALLOWED_MODULES = {name.rpartition(".")[0] for name in ALLOWED}


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def app_code_used(path: Path) -> set[str]:
    """Every `gongzhi…` name a migration imports or uses, wherever in the file (also inside functions)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            used |= {f"import {a.name}" for a in node.names if a.name.split(".")[0] == "gongzhi"}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "gongzhi":
            used |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Attribute):
            name = _dotted(node)
            if name and name.startswith("gongzhi."):
                used.add(name)
    # Keep only the longest chains (gongzhi.core.clock.now, not also gongzhi.core.clock and gongzhi.core).
    return {u for u in used if not any(other != u and other.startswith(u + ".") for other in used)}


def test_there_are_migrations_to_check():
    assert len(MIGRATIONS) > 10


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda p: str(p.relative_to(ROOT / "gongzhi")))
def test_a_migration_uses_no_app_code_but_the_named_callables(path):
    bad = set()
    for name in app_code_used(path):
        if name.startswith("import "):
            if name.removeprefix("import ") not in ALLOWED_MODULES:
                bad.add(name)
        elif name not in ALLOWED:
            bad.add(name)
    assert not bad, (
        f"{path.name} uses app code {sorted(bad)}: freeze what a data migration needs inside it (with "
        "apps.get_model); a default/validator Django wrote by name goes into ALLOWED with a comment at its definition"
    )


def test_the_detector_sees_imports_inside_functions_and_dotted_names(tmp_path):
    sample = tmp_path / "0009_sample.py"
    sample.write_text(
        "import gongzhi.core.clock\n"
        "def fill(apps, schema_editor):\n"
        "    from gongzhi.appeals.measure_facts import backfill\n"
        "x = gongzhi.core.clock.now\n"
    )
    assert app_code_used(sample) == {
        "import gongzhi.core.clock",
        "gongzhi.appeals.measure_facts.backfill",
        "gongzhi.core.clock.now",
    }


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_each_callable_migrations_name_exists_and_says_so(name):
    module_name, _, attr = name.rpartition(".")
    module = importlib.import_module(module_name)
    func = getattr(module, attr)
    assert callable(func)
    _lines, start = inspect.getsourcelines(func)
    above = inspect.getsource(module).splitlines()[max(0, start - 4) : start - 1]
    assert any("Migrations reference" in line for line in above), f"{name} lacks its 'Migrations reference' note"
