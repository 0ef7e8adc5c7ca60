"""docs/permissions.md stays true to the rules in code."""

from pathlib import Path

from gongzhi.accounts.models import Role
from gongzhi.accounts.rules import RULES

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_every_rule_row_matches_the_code():
    rows = {}
    header: list[str] = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == "rule":
            header = cells
        elif cells and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = {header[i] for i, c in enumerate(cells) if c == "✓"}
    assert set(header[2:]) == set(Role.values)
    assert rows == {rule: set(roles) for rule, roles in RULES.items()}
