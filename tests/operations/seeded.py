"""A seeded demo for the backup tests: seed_demo at its smallest size, the points and volunteering seeds, the
appeal categories, points accounts with postings, appeals with their event chains, and a media file."""

from django.core.management import call_command

from gongzhi.accounts.models import User
from gongzhi.appeals.actions import appeal_submit
from gongzhi.appeals.models import Category
from gongzhi.appeals.workflow import appeal_transition
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.core import ledger
from gongzhi.people.demo.loader import seed_demo
from gongzhi.people.models import Household
from gongzhi.points.actions.accounts import account_open_for_household
from gongzhi.points.actions.schemes import system_account
from gongzhi.points.models import PointsScheme

DEMO_STREET = "370211003"


def seed(media_root) -> None:
    seed_demo(size="S", seed=0, progress=False)
    call_command("seed_categories", verbosity=0)
    call_command("seed_points", "--demo", stdout=_Null())
    call_command("seed_volunteering", stdout=_Null())
    scheme = PointsScheme.objects.get()
    issuance = system_account(scheme, "issuance")
    for i, household in enumerate(Household.objects.filter(area_code__startswith=DEMO_STREET).order_by("pk")[:12]):
        account = account_open_for_household(household=household)
        ledger.post(kind="test.award", lines=[(issuance, -(i + 1) * 5), (account.ledger_account, (i + 1) * 5)])
    admin = User.objects.get(username="admin")
    micro = Area.objects.filter(level=AreaLevel.MICROGRID, code__startswith=DEMO_STREET).order_by("code")
    category = Category.objects.filter(parent__isnull=False).order_by("code").first()
    assert category is not None
    for i, area in enumerate(micro[:6]):
        appeal = appeal_submit(
            actor=admin,
            description=f"楼道灯坏了第 {i} 次",
            channel="walk_in",
            category=category.code,
            area_code=area.code,
            contact_name="王五",
            contact_phone=f"1390000000{i}",
            auto_dispatch=False,
        ).appeal
        if i % 2:
            appeal_transition(actor=admin, appeal=appeal, action="cancel", note="重复上报")
    (media_root / "rosters").mkdir(parents=True, exist_ok=True)
    (media_root / "rosters" / "户籍名册.xlsx").write_bytes(b"PK\x03\x04 not really a workbook" * 100)
    (media_root / "appeals").mkdir(exist_ok=True)
    (media_root / "appeals" / "photo.jpg").write_bytes(bytes(range(256)) * 40)


class _Null:
    def write(self, *_args: object) -> None:
        pass

    def flush(self) -> None:
        pass
