"""Install the shipped category tree (categories_data.TREE). Running it again changes nothing.

Street staff edit categories afterwards (names, tiers, closure conditions, overrides), so an existing code is left as
it is; `--update` puts the shipped defaults back on the seeded codes. Categories staff added stay untouched.
"""

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from gongzhi.appeals import categories_data
from gongzhi.appeals.models import Category
from gongzhi.core.audit import audit_record


def categories_seed(*, update: bool = False) -> dict[str, int]:
    """Create the missing categories of the shipped tree (and with `update`, reset the seeded ones); one transaction."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    order = 0
    with transaction.atomic():
        existing = {c.code: c for c in Category.objects.select_for_update().filter(code__in=_all_codes())}
        for top in categories_data.TREE:
            order += 10
            parent = _put(existing, counts, update, code=top.code, values={"name": top.name, "sort_order": order})
            for sub in top.children:
                order += 10
                values = {
                    "parent": parent,
                    "name": sub.name,
                    "default_tier": sub.tier,
                    "default_level": sub.level,
                    "closure_condition": sub.closure,
                    "on_site": sub.on_site,
                    "sort_order": order,
                }
                _put(existing, counts, update, code=sub.code, values=values)
        if counts["created"] or counts["updated"]:
            audit_record(actor=None, action="appeals.categories_seeded", target_type="appeals.category", data=counts)
    return counts


def _all_codes() -> list[str]:
    return [top.code for top in categories_data.TREE] + [sub.code for sub in categories_data.subcategories()]


def _put(
    existing: dict[str, Category], counts: dict[str, int], update: bool, *, code: str, values: dict[str, Any]
) -> Category:
    category = existing.get(code)
    if category is None:
        category = Category.objects.create(code=code, **values)
        counts["created"] += 1
        return category
    changed = [field for field, value in values.items() if getattr(category, field) != value]
    if update and changed:
        for field in changed:
            setattr(category, field, values[field])
        category.save(update_fields=changed)
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1
    return category


class Command(BaseCommand):
    help = "Install the default appeal categories (大类/小类); idempotent. --update resets seeded categories."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--update", action="store_true", help="put the shipped defaults back on categories already present"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = categories_seed(update=options["update"])
        self.stdout.write(
            f"categories: {counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged"
        )
