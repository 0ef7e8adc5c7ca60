"""The default "1+5+N" catalogue of 胶南街道's 德育乡村 scheme (seed 000): five dimensions plus local items.

Points are the most one award may give (or take); caps are per household per month. A street edits its own copy
(rule_upsert); catalogue_install only adds the items a scheme does not have yet, so local edits survive a re-run.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from gongzhi.points.models import Dimension


@dataclass(frozen=True)
class RuleSpec:
    code: str
    dimension: str
    name: object
    points: int
    cap_per_month: int | None = None
    evidence_required: bool = True
    needs_review: bool = True
    description: object = ""


D = Dimension
DEFAULT_CATALOGUE: tuple[RuleSpec, ...] = (
    # 环境保护
    RuleSpec("env-cleanup", D.ENVIRONMENT, _("参加人居环境整治"), 5, cap_per_month=20),
    RuleSpec("env-courtyard", D.ENVIRONMENT, _("庭院整洁评为美丽庭院"), 10, cap_per_month=10),
    RuleSpec("env-garbage-sorting", D.ENVIRONMENT, _("垃圾分类投放规范"), 2, cap_per_month=8),
    RuleSpec("env-littering", D.ENVIRONMENT, _("乱堆乱放、乱倒垃圾"), -5, cap_per_month=20),
    # 睦邻和家
    RuleSpec("neighbour-help", D.NEIGHBOURHOOD, _("助人为乐"), 5, cap_per_month=20),
    RuleSpec("neighbour-filial", D.NEIGHBOURHOOD, _("孝老爱亲，评为好媳妇、好婆婆"), 10, cap_per_month=10),
    RuleSpec("neighbour-dispute", D.NEIGHBOURHOOD, _("主动化解邻里矛盾"), 5, cap_per_month=10),
    RuleSpec("neighbour-elder-neglect", D.NEIGHBOURHOOD, _("不赡养老人"), -20),
    # 乡村发展
    RuleSpec("rural-customs", D.RURAL_DEVELOPMENT, _("移风易俗（婚事新办、丧事简办）"), 10, cap_per_month=10),
    RuleSpec("rural-project", D.RURAL_DEVELOPMENT, _("支持村庄建设项目（让地、出工）"), 5, cap_per_month=20),
    RuleSpec("rural-extravagance", D.RURAL_DEVELOPMENT, _("大操大办、铺张浪费"), -10),
    # 公益奉献
    RuleSpec(
        "public-volunteer",
        D.PUBLIC_SERVICE,
        _("参加志愿服务（每次）"),
        2,
        cap_per_month=30,
        evidence_required=False,
        needs_review=False,
        description=_("由志愿服务记录自动提议，来源即佐证"),
    ),
    RuleSpec("public-donation", D.PUBLIC_SERVICE, _("捐款捐物、扶危济困"), 5, cap_per_month=20),
    RuleSpec("public-blood", D.PUBLIC_SERVICE, _("无偿献血"), 10, cap_per_month=10),
    # 自治守法
    RuleSpec("law-meeting", D.SELF_GOVERNANCE, _("参加村民议事、协商会议"), 2, cap_per_month=8),
    RuleSpec("law-report", D.SELF_GOVERNANCE, _("劝阻、举报违法行为"), 5, cap_per_month=10),
    RuleSpec("law-disorder", D.SELF_GOVERNANCE, _("故意扰乱公共秩序"), -20),
    RuleSpec("law-illegal-building", D.SELF_GOVERNANCE, _("私搭乱建、违法建设"), -20),
    # N: local items
    RuleSpec("local-honour", D.LOCAL, _("获得县级以上表彰"), 20, cap_per_month=20),
    RuleSpec("local-fire-safety", D.LOCAL, _("焚烧秸秆、野外用火"), -10),
)
