"""Every named rule as a table of personas: a role reaches its area and the areas below it, never sideways or up."""

import pytest

from gongzhi.accounts import rules
from tests.conftest import (
    COMMUNITY_A,
    COMMUNITY_B,
    GRID_A,
    GRID_A2,
    MICRO_A,
    MICRO_B,
    OTHER_STREET,
    PERSONAS,
    STREET,
)

# (persona, rule, area) → allowed
TABLE = [
    # street staff reach the whole street, not the neighbouring street or the district above
    ("street_staff", "people.view", MICRO_A, True),
    ("street_staff", "people.unmask", COMMUNITY_B, True),
    ("street_staff", "people.view", OTHER_STREET + "001", False),
    ("street_staff", "people.view", "370211", False),
    ("street_staff", "areas.manage", STREET, True),
    ("other_street_staff", "people.view", MICRO_A, False),
    # community worker: own community only
    ("community_worker_a", "people.view", MICRO_A, True),
    ("community_worker_a", "people.unmask", GRID_A, True),
    ("community_worker_a", "people.import", COMMUNITY_A, True),
    ("community_worker_a", "people.view", MICRO_B, False),
    ("community_worker_a", "people.view", STREET, False),
    ("community_worker_a", "areas.manage", COMMUNITY_A, False),
    ("community_worker_a", "registrations.confirm", MICRO_A, True),
    ("community_worker_b", "registrations.confirm", MICRO_A, False),
    # grid worker: sees people of the grid masked, cannot unmask or import, not the sibling grid
    ("grid_worker_a", "people.view", MICRO_A, True),
    ("grid_worker_a", "people.edit", MICRO_A, True),
    ("grid_worker_a", "people.unmask", MICRO_A, False),
    ("grid_worker_a", "people.import", GRID_A, False),
    ("grid_worker_a", "people.view", GRID_A2, False),
    ("grid_worker_a", "people.view", COMMUNITY_A, False),
    ("grid_worker_a2", "people.view", MICRO_A, False),
    # micro-grid worker: the micro-grid, read only
    ("microgrid_worker_a", "people.view", MICRO_A, True),
    ("microgrid_worker_a", "people.edit", MICRO_A, False),
    ("microgrid_worker_a", "people.view", GRID_A, False),
    # roles without registry access
    ("department", "people.view", MICRO_A, False),
    ("department", "orgs.view", STREET, True),
    ("party_member_a", "party.view", COMMUNITY_A, True),
    ("party_member_a", "people.view", MICRO_A, False),
    ("party_member_a", "party.manage", COMMUNITY_A, False),
    ("volunteer_a", "people.view", MICRO_A, False),
    ("partner", "people.view", MICRO_A, False),
    ("partner", "orgs.view", STREET, True),
    ("resident_a", "people.view", MICRO_A, False),
    ("resident_a", "party.view", MICRO_A, False),
    ("nobody", "people.view", MICRO_A, False),
    # admin at the district root reaches everything
    ("admin", "people.unmask", MICRO_B, True),
    ("admin", "areas.manage", OTHER_STREET, True),
    ("admin", "audit.view", "370211", True),
    # points bank: grid workers propose in their grid, community workers review, street staff configure
    ("grid_worker_a", "points.propose", MICRO_A, True),
    ("grid_worker_a", "points.review", MICRO_A, False),
    ("grid_worker_a2", "points.propose", MICRO_A, False),
    ("community_worker_a", "points.review", MICRO_A, True),
    ("community_worker_b", "points.review", MICRO_A, False),
    ("community_worker_a", "points.configure", COMMUNITY_A, False),
    ("street_staff", "points.configure", STREET, True),
    ("microgrid_worker_a", "points.view", MICRO_A, True),
    ("resident_a", "points.propose", MICRO_A, False),
    ("resident_a", "points.view", MICRO_A, False),
    ("community_worker_a", "store.manage", COMMUNITY_A, True),
    ("grid_worker_a", "store.manage", GRID_A, False),
    ("grid_worker_a", "store.counter", MICRO_A, True),
    ("resident_a", "store.counter", MICRO_A, False),
    # volunteering: grid workers organise activities in their grid, community workers manage volunteers
    ("grid_worker_a", "volunteering.organise", MICRO_A, True),
    ("grid_worker_a2", "volunteering.organise", MICRO_A, False),
    ("grid_worker_a", "volunteering.manage", GRID_A, False),
    ("community_worker_a", "volunteering.manage", MICRO_A, True),
    ("community_worker_b", "volunteering.manage", MICRO_A, False),
    ("microgrid_worker_a", "volunteering.view", MICRO_A, True),
    ("volunteer_a", "volunteering.view", COMMUNITY_A, False),
    ("resident_a", "volunteering.organise", MICRO_A, False),
]


@pytest.mark.parametrize(("persona", "rule", "area", "allowed"), TABLE)
def test_rule_table(district, persona, rule, area, allowed):
    assert rules.allows(district[persona], rule, area) is allowed


# Every rule × every persona at the persona's own area: held exactly when the rule names the persona's role;
# and never at an area beside it. New rules are covered here without a new row.
STAFFED_PERSONAS = [p for p, (role, _code) in PERSONAS.items() if role is not None and p != "admin"]
SIDEWAYS = {
    STREET: OTHER_STREET,
    COMMUNITY_A: COMMUNITY_B,
    GRID_A: GRID_A2,
    MICRO_A: MICRO_B,
    MICRO_B: MICRO_A,
    OTHER_STREET: STREET,
    COMMUNITY_B: COMMUNITY_A,
    GRID_A2: GRID_A,
}


@pytest.mark.parametrize("persona", STAFFED_PERSONAS)
def test_each_rule_at_the_personas_own_area_and_beside_it(district, persona):
    role, code = PERSONAS[persona]
    user = district[persona]
    beside = SIDEWAYS.get(code, code[:-1] + "9")
    for rule, roles in rules.RULES.items():
        assert rules.allows(user, rule, code) is (role in roles), rule
        assert rules.allows(user, rule, beside) is False, rule


def test_an_inactive_user_holds_no_rule(district):
    user = district["street_staff"]
    user.is_active = False
    assert rules.allows(user, "people.view", MICRO_A) is False


def test_an_anonymous_user_holds_no_rule(db):
    from django.contrib.auth.models import AnonymousUser

    assert rules.scope_codes(AnonymousUser(), "people.view") == []


def test_scope_collapses_nested_memberships(district, areas):
    from gongzhi.accounts.actions import membership_grant

    user = district["community_worker_a"]
    membership_grant(actor=None, user=user, role="community_worker", area=areas[GRID_A])
    assert rules.scope_codes(user, "people.view") == [COMMUNITY_A]


def test_the_superuser_holds_every_rule_everywhere(district):
    user = district["superuser"]
    for rule in rules.RULES:
        assert rules.scope_codes(user, rule) == [""], rule
        assert rules.allows(user, rule, MICRO_B) and rules.allows(user, rule, "110101"), rule


@pytest.mark.parametrize("persona", ["superuser", "street_staff", "nobody"])
def test_a_scope_ored_with_another_grant_keeps_its_meaning(district, persona):
    """scope_q is a real condition at both ends (never the empty Q(), which `|` would drop): issue 10, 8a."""
    from django.db.models import Q

    from gongzhi.areas.models import Area

    user = district[persona]
    in_scope = set(Area.objects.filter(rules.scope_q(user, "people.view", field="code")).values_list("pk", flat=True))
    extra = Area.objects.get(code=OTHER_STREET)
    either = Area.objects.filter(rules.scope_q(user, "people.view", field="code") | Q(pk=extra.pk))
    assert set(either.values_list("pk", flat=True)) == in_scope | {extra.pk}
    assert (
        in_scope
        == {
            "superuser": set(Area.objects.values_list("pk", flat=True)),
            "street_staff": set(Area.objects.filter(code__startswith=STREET).values_list("pk", flat=True)),
            "nobody": set(),
        }[persona]
    )


def test_no_code_writes_a_scope_as_the_empty_q():
    """`Q()` means "no condition" and vanishes under `|`: scopes use rules.everything_q() / nothing_q() instead."""
    import re
    from pathlib import Path

    import gongzhi

    root = Path(gongzhi.__file__).parent
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in root.rglob("*.py")
        if "migrations" not in path.parts and path.name != "rules.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(?<![\w.])Q\(\)", line)
    ]
    assert found == []
