"""The seeded category tree (大类/小类) as plain data, installed by `manage.py seed_categories`.

Tier and handling level follow the 7135 rule (seed 004): minor matters close within the micro-grid, major matters in
the grid's small loop, hard matters in the street's big loop. A few subcategories start one level higher than their
tier because only a department can act on them (违章搭建 needs 城管 enforcement, 物业收费 the street's property office).
`on_site` marks the cases where a micro-grid worker must arrive within 7 minutes of dispatch. Names and closure
conditions are data that street staff edit afterwards, so they are stored in Chinese and not run through gettext.
"""

from dataclasses import dataclass, field

MINOR, MAJOR, HARD = "minor", "major", "hard"
MICROGRID, GRID, STREET = "microgrid", "grid", "street"


@dataclass(frozen=True)
class Sub:
    code: str
    name: str
    tier: str
    level: str
    closure: str
    on_site: bool = False


@dataclass(frozen=True)
class Top:
    code: str
    name: str
    children: tuple[Sub, ...] = field(default_factory=tuple)


TREE: tuple[Top, ...] = (
    Top(
        "city",
        "市容环境",
        (
            Sub("city-vending", "占道经营", MINOR, MICROGRID, "摊点清离或规范到位，附现场照片", on_site=True),
            Sub("city-ads", "乱贴小广告", MINOR, MICROGRID, "小广告清除完毕，附清理前后照片"),
            Sub(
                "city-illegal_building",
                "违章搭建",
                HARD,
                STREET,
                "执法部门立案，拆除或整改到位并出具书面意见",
                on_site=True,
            ),
            Sub("city-construction", "施工扰民与扬尘", MAJOR, GRID, "施工时间和防尘措施整改到位，经现场复查"),
        ),
    ),
    Top(
        "sanitation",
        "环境卫生",
        (
            Sub("sanitation-garbage", "垃圾清运不及时", MINOR, MICROGRID, "垃圾清运完毕，附现场照片", on_site=True),
            Sub("sanitation-dirty_spot", "卫生死角", MINOR, MICROGRID, "清理完毕，附清理前后照片"),
            Sub("sanitation-sewer", "下水道堵塞", MAJOR, GRID, "疏通完毕，排水恢复正常", on_site=True),
            Sub("sanitation-construction_waste", "建筑垃圾乱倒", MAJOR, GRID, "建筑垃圾清运完毕，责任人已告知"),
        ),
    ),
    Top(
        "property",
        "物业服务",
        (
            Sub("property-elevator", "电梯故障", MAJOR, GRID, "电梯维修完毕并经检验恢复运行", on_site=True),
            Sub("property-cleaning", "保洁不到位", MINOR, MICROGRID, "物业完成保洁，经网格员复查"),
            Sub("property-access", "门禁与监控故障", MINOR, MICROGRID, "设备修复，经现场试用正常"),
            Sub("property-fees", "物业收费与服务纠纷", HARD, STREET, "三方协商形成书面意见，诉求人知晓结果"),
            Sub("property-greenery", "绿化养护", MINOR, MICROGRID, "修剪或补种完毕，附现场照片"),
        ),
    ),
    Top(
        "neighbour",
        "邻里纠纷",
        (
            Sub("neighbour-leak", "房屋漏水", MAJOR, GRID, "查明漏点并修复，双方确认调解结果", on_site=True),
            Sub("neighbour-noise", "噪音扰民", MINOR, MICROGRID, "噪音源停止或整改，诉求人确认", on_site=True),
            Sub("neighbour-pets", "宠物扰民", MINOR, MICROGRID, "养犬人整改到位，诉求人确认"),
        ),
    ),
    Top(
        "parking",
        "车辆乱停放",
        (
            Sub("parking-car", "机动车乱停放", MINOR, MICROGRID, "车辆已挪离，附现场照片", on_site=True),
            Sub("parking-bike", "非机动车乱停放", MINOR, MICROGRID, "车辆摆放整齐，附现场照片"),
            Sub("parking-abandoned", "僵尸车", MAJOR, GRID, "车主挪车或交警部门拖移"),
            Sub("parking-space", "车位纠纷与私装地锁", MAJOR, GRID, "地锁拆除或双方达成协议"),
        ),
    ),
    Top(
        "fire_lane",
        "消防通道",
        (
            Sub("fire_lane-blocked", "消防通道堵塞", MINOR, MICROGRID, "通道清理畅通，附现场照片", on_site=True),
            Sub("fire_lane-corridor", "楼道堆物", MINOR, MICROGRID, "楼道杂物清理完毕，附现场照片", on_site=True),
            Sub("fire_lane-equipment", "消防设施损坏", MAJOR, GRID, "消防设施修复或更换，经检查有效"),
        ),
    ),
    Top(
        "safety",
        "安全隐患",
        (
            Sub("safety-ebike", "电动车违规充电", MINOR, MICROGRID, "飞线拆除，车辆移出楼道", on_site=True),
            Sub("safety-falling", "高空抛物与坠物", MAJOR, GRID, "隐患排除，责任人已告知", on_site=True),
            Sub("safety-gas", "燃气异味与泄漏", MAJOR, GRID, "燃气公司检修完毕，隐患排除", on_site=True),
            Sub("safety-structure", "房屋结构安全", HARD, STREET, "专业机构鉴定并采取加固或避险措施", on_site=True),
        ),
    ),
    Top(
        "facilities",
        "公共设施",
        (
            Sub("facilities-streetlight", "路灯损坏", MINOR, MICROGRID, "路灯修复点亮，附夜间照片"),
            Sub("facilities-manhole", "井盖缺失破损", MINOR, MICROGRID, "井盖补齐或设置警示，附照片", on_site=True),
            Sub("facilities-road", "道路破损", MAJOR, GRID, "路面修补完毕，附照片"),
            Sub("facilities-fitness", "健身器材损坏", MINOR, MICROGRID, "器材修复或拆除，附照片"),
            Sub("facilities-charging", "充电设施不足或损坏", MAJOR, GRID, "充电设施修复或增设方案已答复"),
        ),
    ),
    Top(
        "utilities",
        "水电暖气",
        (
            Sub("utilities-water", "停水与水质", MAJOR, GRID, "供水恢复或水质检测合格"),
            Sub("utilities-power", "停电与线路故障", MAJOR, GRID, "供电恢复，线路隐患排除"),
            Sub("utilities-heating", "供暖不热", MAJOR, GRID, "室温复测达标或维修完毕"),
        ),
    ),
    Top(
        "livelihood",
        "民生服务",
        (
            Sub("livelihood-elderly", "养老助老", MAJOR, GRID, "服务对接落实，老人或家属确认"),
            Sub("livelihood-assistance", "困难救助", HARD, STREET, "救助申请受理并答复结果"),
            Sub("livelihood-consult", "政策咨询", MINOR, MICROGRID, "答复诉求人，诉求人知晓"),
        ),
    ),
)


def subcategories() -> list[Sub]:
    return [sub for top in TREE for sub in top.children]


def subcategory_codes() -> set[str]:
    return {sub.code for sub in subcategories()}
