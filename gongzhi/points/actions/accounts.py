"""Opening the points account of a household or a person (with the scheme's opening balance), and deciding which
account a holder uses: a person scheme credits the person, a household scheme the person's household."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core import ledger
from gongzhi.core.errors import ValidationFailed
from gongzhi.people.models import Household, Resident
from gongzhi.points import selectors
from gongzhi.points.actions.schemes import system_account
from gongzhi.points.models import (
    POINTS_UNIT,
    HolderKind,
    PointsAccount,
    PointsScheme,
)


def _scheme_for(area_code: str) -> PointsScheme:
    scheme = selectors.scheme_for_area_code(area_code)
    if scheme is None:
        raise ValidationFailed(_("该区域（%(code)s）尚未实行积分制度") % {"code": area_code}, field="household_id")
    return scheme


def _open(
    *, scheme: PointsScheme, code: str, name: str, owner_type: str, owner_id: int, area_code: str, **holder: Any
) -> PointsAccount:
    """Open the ledger and points accounts of one holder, crediting the opening balance; idempotent under races."""
    ledger_account = ledger.account_open(
        code=code,
        name=name,
        unit=POINTS_UNIT,
        owner_type=owner_type,
        owner_id=str(owner_id),
        area_code=area_code,
        floor=scheme.floor,
    )
    try:
        with transaction.atomic():
            account = PointsAccount.objects.create(
                scheme=scheme, ledger_account=ledger_account, area_code=area_code, **holder
            )
    except IntegrityError:
        # Opened by a concurrent request a moment ago.
        return PointsAccount.objects.select_related("ledger_account", "scheme").get(**holder)
    if scheme.opening_balance:
        issuance = system_account(scheme, "issuance", spread=account.pk)
        ledger.post(
            kind="points.opening",
            lines=[(issuance, -scheme.opening_balance), (ledger_account, scheme.opening_balance)],
            memo=str(_("开户积分")),
            reference=f"points:opening:{account.pk}",
        )
    return account


@transaction.atomic
def account_open_for_household(*, household: Household) -> PointsAccount:
    """The household's points account in the scheme over its area, opened (with the opening balance) if new."""
    existing = PointsAccount.objects.select_related("ledger_account", "scheme").filter(household=household).first()
    if existing is not None:
        return existing
    scheme = _scheme_for(household.area_code)
    if scheme.holder_kind != HolderKind.HOUSEHOLD:
        raise ValidationFailed(
            _("%(scheme)s 按个人开户，请指定居民（resident_id）") % {"scheme": scheme.name}, field="household_id"
        )
    return _open(
        scheme=scheme,
        code=f"points:household:{household.pk}",
        name=f"{household.address or household.number}",
        owner_type="people.household",
        owner_id=household.pk,
        area_code=household.area_code,
        household=household,
    )


@transaction.atomic
def account_open_for_resident(*, resident: Resident) -> PointsAccount:
    """A person's points account, in a scheme whose accounts are held by persons; opened if new."""
    existing = PointsAccount.objects.select_related("ledger_account", "scheme").filter(resident=resident).first()
    if existing is not None:
        return existing
    scheme = selectors.scheme_for_area_code(resident.area_code)
    if scheme is None:
        raise ValidationFailed(
            _("该区域（%(code)s）尚未实行积分制度") % {"code": resident.area_code}, field="resident_id"
        )
    if scheme.holder_kind != HolderKind.PERSON:
        raise ValidationFailed(
            _("%(scheme)s 按户开户，请指定户（household_id）") % {"scheme": scheme.name}, field="resident_id"
        )
    return _open(
        scheme=scheme,
        code=f"points:person:{resident.pk}",
        name=resident.name,
        owner_type="people.resident",
        owner_id=resident.pk,
        area_code=resident.area_code,
        resident=resident,
    )


def account_open_for_holder(*, household: Household | None = None, resident: Resident | None = None) -> PointsAccount:
    """The account of whoever holds accounts in the scheme over the person's (or household's) area: a person
    scheme credits the person, a household scheme the person's household."""
    if resident is not None:
        scheme = selectors.scheme_for_area_code(resident.area_code)
        if scheme is not None and scheme.holder_kind == HolderKind.PERSON:
            return account_open_for_resident(resident=resident)
        if household is None:
            if resident.household_id is None:
                raise ValidationFailed(_("该居民未关联户，本方案按户计分"), field="resident_id")
            household = resident.household
    if household is None:
        raise ValidationFailed(_("请指定积分账户、户或居民"), field="account_id")
    return account_open_for_household(household=household)


def resolve_account(
    *, account: PointsAccount | None, household: Household | None, resident: Resident | None = None
) -> PointsAccount:
    if account is not None and household is not None and account.household_id != household.pk:
        raise ValidationFailed(_("账户与户不一致"), field="account_id")
    if account is not None and resident is not None and account.resident_id != resident.pk:
        raise ValidationFailed(_("账户与居民不一致"), field="account_id")
    if account is None:
        if resident is not None:
            scheme = selectors.scheme_for_area_code(resident.area_code)
            if scheme is not None and scheme.holder_kind == HolderKind.HOUSEHOLD:
                raise ValidationFailed(
                    _("%(scheme)s 按户开户，请指定户（household_id）") % {"scheme": scheme.name}, field="resident_id"
                )
            account = account_open_for_resident(resident=resident)
        elif household is not None:
            account = account_open_for_household(household=household)
        else:
            raise ValidationFailed(_("请指定积分账户、户或居民"), field="account_id")
    return account


def account_open_for_own_use(*, resident: Resident) -> PointsAccount | None:
    """The account a signed-in resident redeems from (selectors.own_account), opened if it is not yet: their own in
    a person scheme, their household's in a household scheme. None when no scheme covers them, or a household
    scheme finds them in no household."""
    found = selectors.own_account_of(resident)
    if found is not None:
        return found
    scheme = selectors.scheme_for_area_code(resident.area_code)
    if scheme is None or (scheme.holder_kind != HolderKind.PERSON and resident.household_id is None):
        return None
    return account_open_for_holder(resident=resident)
