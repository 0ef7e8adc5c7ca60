"""docs/appeals.md keeps the transition table of the code."""

from pathlib import Path

from gongzhi.appeals.workflow import BACK, STAY, TRANSITIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "appeals.md"


def test_the_documented_transition_table_is_the_code():
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (set(cells[2].split(", ")), cells[3], cells[4].strip("`"))
    targets = {STAY: "(unchanged)", BACK: "(state before suspension)"}
    expected = {
        name: (set(move.sources), targets.get(move.target, move.target), move.rule)
        for name, move in TRANSITIONS.items()
    }
    assert rows == expected
