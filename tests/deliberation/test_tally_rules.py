"""The counting rules: quorum, simple / absolute / two-thirds majority, ties by the stated rule, abstentions and blanks."""

import pytest

from gongzhi.deliberation.tally import count, quorum_needed


def tally(yes=0, no=0, abstain=0, blank=0, *, eligible=10, quorum=50, majority="simple", tie="fails"):
    counts = {"yes": yes, "no": no, "abstain": abstain, "blank": blank}
    return count(counts, eligible=eligible, quorum_percent=quorum, majority=majority, tie_rule=tie)


def test_quorum_is_the_ceiling_of_the_share_of_the_invited():
    assert quorum_needed(10, 50) == 5
    assert quorum_needed(7, 50) == 4
    assert quorum_needed(3, 67) == 3
    assert quorum_needed(10, 0) == 0


def test_below_quorum_the_vote_decides_nothing_even_when_all_say_yes():
    t = tally(yes=4, eligible=10, quorum=50)
    assert (t.quorum_met, t.outcome, t.quorum_needed) == (False, "no_quorum", 5)


def test_abstentions_and_blanks_count_towards_the_quorum_and_are_shown():
    t = tally(yes=2, no=1, abstain=1, blank=1)
    assert t.quorum_met and t.cast == 5 and (t.abstain, t.blank) == (1, 1)
    assert t.outcome == "passed"  # simple: 2 yes > 1 no


@pytest.mark.parametrize(
    ("counts", "majority", "outcome"),
    [
        ((3, 2, 0, 0), "simple", "passed"),
        ((2, 2, 1, 0), "simple", "failed"),  # a tie, tie rule "fails"
        ((3, 1, 2, 0), "absolute", "failed"),  # 3 of 6 is not more than half
        ((4, 1, 1, 0), "absolute", "passed"),
        ((4, 2, 0, 0), "two_thirds", "passed"),  # exactly two thirds passes
        ((4, 1, 1, 0), "two_thirds", "passed"),
        ((3, 1, 1, 1), "two_thirds", "failed"),  # blanks and abstentions count against
    ],
)
def test_majority_rules(counts, majority, outcome):
    assert tally(*counts, majority=majority).outcome == outcome


def test_a_tie_follows_the_stated_tie_rule():
    assert tally(3, 3, tie="fails").outcome == "failed"
    t = tally(3, 3, tie="passes")
    assert t.tie and t.outcome == "passed"
    assert tally(3, 1, 1, 1, majority="absolute", tie="passes").outcome == "passed"  # 3 of 6, exactly half
    assert tally(3, 1, 1, 1, majority="absolute", tie="fails").outcome == "failed"
