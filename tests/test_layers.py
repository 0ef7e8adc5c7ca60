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


ORM_WRITES = {"create", "update", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
ORM_LOCKS = {"select_for_update"}
# Receivers of a `.save(...)` that are not models: the XLSX workbooks the export pages stream.
NOT_MODELS = {"book", "workbook", "wb", "router"}  # and ninja's `@router.delete(...)` decorator


def _chain_has_objects(node):
    import ast

    while isinstance(node, (ast.Attribute, ast.Call)):
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            return True
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return False


def _orm_writes_in(path: Path) -> list[str]:
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name, receiver = node.func.attr, node.func.value
        if (name in ORM_WRITES | ORM_LOCKS and _chain_has_objects(receiver)) or (
            name in {"save", "delete"} and not (isinstance(receiver, ast.Name) and receiver.id in NOT_MODELS)
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} .{name}()")
    return found


def test_endpoints_and_views_write_only_through_actions():
    """Thin endpoints (ARCHITECTURE.md): a page or an API operation validates its input and calls an action, which
    checks the rule, writes in one transaction and records the event; none writes through the ORM itself."""
    modules = [p for p in (ROOT / "gongzhi").glob("*/*.py") if p.stem in {"api", "views"}]
    modules += [*(ROOT / "gongzhi").glob("*/views/*.py"), *(ROOT / "gongzhi").glob("*/api/*.py")]
    assert len(modules) > 20
    assert [hit for path in sorted(modules) for hit in _orm_writes_in(path)] == []
