"""The counting rules of a vote, as pure functions: quorum, majority, ties, abstentions and blank ballots.

- Quorum: the ballots (persons, or households under one vote per household) reach `quorum_percent` of the
  invited persons (or households). Below it the vote decides nothing (`no_quorum`), whatever the counts say.
- Majority, over the ballots cast (abstentions and blank ballots are counted and shown):
  simple — more 赞成 than 反对 (abstentions and blanks count for neither side);
  absolute — 赞成 more than half of all ballots cast (an abstention or a blank works as "not yes");
  two_thirds — 赞成 at least two thirds of all ballots cast.
- A tie (simple: 赞成 = 反对; absolute: 赞成 exactly half) is decided by the vote's stated tie rule.
  Two thirds has no tie: exactly two thirds passes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

CHOICES = ("yes", "no", "abstain", "blank")


@dataclass(frozen=True)
class Tally:
    yes: int
    no: int
    abstain: int
    blank: int
    cast: int
    eligible: int
    quorum_needed: int
    quorum_met: bool
    tie: bool
    outcome: str  # passed / failed / no_quorum

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def quorum_needed(eligible: int, percent: int) -> int:
    """The fewest ballots that make the quorum: ceil(eligible × percent / 100)."""
    return -(-eligible * percent // 100)


def count(counts: dict[str, int], *, eligible: int, quorum_percent: int, majority: str, tie_rule: str) -> Tally:
    yes, no, abstain, blank = (int(counts.get(c, 0)) for c in CHOICES)
    cast = yes + no + abstain + blank
    needed = quorum_needed(eligible, quorum_percent)
    quorum_met = cast >= needed and cast > 0
    tie = False
    if majority == "simple":
        passed, tie = yes > no, yes == no
    elif majority == "absolute":
        passed, tie = yes * 2 > cast, yes * 2 == cast
    elif majority == "two_thirds":
        passed = yes * 3 >= cast * 2 and cast > 0
    else:
        raise ValueError(f"unknown majority rule {majority!r}")
    if tie:
        passed = tie_rule == "passes"
    outcome = "no_quorum" if not quorum_met else ("passed" if passed else "failed")
    return Tally(yes, no, abstain, blank, cast, eligible, needed, quorum_met, tie, outcome)
