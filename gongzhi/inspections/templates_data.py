"""The seeded checklist templates as plain data, published by `seed_inspections` as version 1 of each.

From seed 001: grid workers check food businesses item by item on the "食安督" task list (storage, production and
expiry dates …) and report to the street's food-safety committee (食安委); small enterprises' safety production
(machine guards, object strike); fire safety; residents helping with floating-population checks. Like the appeal
categories, item texts are data the street edits (a new version), stored in Chinese and not run through gettext.

An item: (key, text, kind, required, severity, extra) where extra may hold `choices`, `condition` (on an earlier
item: {"item": key, "result": r} or {"item": key, "value": v}) and `appeal_category` (a failed item becomes an
appeal of that category instead of a rectification order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NINE_SMALL = ["shop", "restaurant", "hostel", "entertainment", "internet_cafe", "salon", "school", "clinic", "workshop"]
FOOD = ["restaurant", "shop", "food_business"]


@dataclass(frozen=True)
class Template:
    code: str
    name: str
    committee: str
    place_kinds: list[str]
    frequency_days: int
    severity_threshold: int
    rectify_days: int
    items: list[dict[str, Any]] = field(default_factory=list)


def _item(
    key: str, text: str, kind: str = "yes_no", *, required: bool = True, severity: int = 1, **extra: Any
) -> dict[str, Any]:
    return {"key": key, "text": text, "kind": kind, "required": required, "severity": severity, **extra}


TEMPLATES: tuple[Template, ...] = (
    Template(
        "food_safety",
        "食品安全",
        "食安委",
        FOOD,
        30,
        2,
        7,
        [
            _item("licence", "食品经营许可证、营业执照在有效期内并亮证经营", severity=2),
            _item("health_cert", "从业人员持有效健康证明上岗", severity=2),
            _item("health_cert_count", "在岗从业人员人数", "number", required=False),
            _item("storage", "食品分类分架、离地离墙存放，生熟分开", severity=2),
            _item("cold_chain", "冷藏冷冻设施温度符合要求", severity=2),
            _item("dates", "预包装食品标注生产日期、保质期，无过期变质食品", severity=3),
            _item(
                "expired_photo",
                "过期变质食品现场照片",
                "photo",
                severity=3,
                condition={"item": "dates", "result": "fail"},
            ),
            _item("additives", "食品添加剂专柜存放、专人管理、记录台账", severity=2),
            _item("purchase_records", "进货查验记录和索证索票齐全"),
            _item("disinfection", "餐饮具清洗消毒设施正常使用", severity=2),
            _item("pest_control", "防鼠、防蝇、防虫设施完好"),
            _item("kitchen_photo", "后厨或经营场所现场照片", "photo", required=False),
            _item(
                "grade",
                "量化分级等级",
                "choice",
                required=False,
                choices=["A（优秀）", "B（良好）", "C（一般）", "未评级"],
            ),
        ],
    ),
    Template(
        "work_safety",
        "安全生产",
        "安委会",
        ["small_enterprise", "workshop"],
        30,
        2,
        15,
        [
            _item("dual_prevention", "建立风险分级管控和隐患排查治理双重预防机制", severity=2),
            _item("machine_guards", "机械设备传动部位防护罩、防护栏齐全（防范机械伤害）", severity=3),
            _item("object_strike", "高处物料固定牢靠、作业区设警示标识（防范物体打击）", severity=3),
            _item("ppe", "作业人员正确佩戴劳动防护用品", severity=2),
            _item("electrical", "电气线路无私拉乱接，配电箱完好", severity=2),
            _item("training", "本年度安全生产培训人次", "number", required=False),
            _item("training_done", "主要负责人和安全管理人员参加安全生产培训"),
            _item("hazard_photo", "隐患部位现场照片", "photo", required=False),
        ],
    ),
    Template(
        "fire",
        "消防安全",
        "消安委",
        [*NINE_SMALL, "food_business", "small_enterprise", "rental"],
        30,
        2,
        7,
        [
            _item(
                "ebike_charging",
                "无电动自行车室内停放充电、飞线充电",
                severity=2,
                appeal_category="safety-ebike",
            ),
            _item(
                "fire_lane",
                "消防通道、安全出口畅通无堆物",
                severity=2,
                appeal_category="fire_lane-blocked",
            ),
            _item("extinguishers", "灭火器数量", "number", severity=2),
            _item("extinguisher_valid", "灭火器压力正常、在有效期内", severity=2),
            _item("emergency_light", "应急照明、疏散指示标志完好", severity=2),
            _item("gas", "燃气管道、阀门无泄漏，安装燃气报警器", severity=3),
            _item("living_in", "无“三合一”（住宿与生产、经营、储存混设）", severity=3),
            _item("fire_photo", "现场照片", "photo", required=False),
        ],
    ),
    Template(
        "floating_population",
        "流动人口摸排",
        "综治中心",
        ["rental", "hostel", "small_enterprise", "workshop", "restaurant"],
        90,
        3,
        15,
        [
            _item("registered", "流动人口已全部登记居住信息", severity=2),
            _item("count", "现有流动人口人数", "number"),
            _item(
                "residence_permit",
                "居住证办理情况",
                "choice",
                choices=["均已办理", "部分办理", "均未办理"],
                condition={"item": "registered", "result": "pass"},
            ),
            _item("landlord_duty", "房东或经营者签订治安责任书", severity=2),
            _item("rental_safety", "出租房屋无群租、无违规隔断", severity=3),
        ],
    ),
)
