"""What residents write and workers answer, per appeal category (the codes of appeals.categories_data).

Each category has a few descriptions ({place} is the micro-grid's own place: "3号楼2单元" or "村东头") and the
handling note its worker writes. Categories without their own texts use the generic ones with the category name.
"""

from __future__ import annotations

import random

DESCRIPTIONS: dict[str, list[str]] = {
    "neighbour-leak": [
        "{place}楼上卫生间漏水，我家天花板已经渗水发黑，和楼上沟通多次没有结果，请帮忙协调。",
        "{place}厨房顶部连续几天滴水，墙皮脱落，怀疑是楼上暖气管道漏水。",
        "{place}外墙渗水，下雨后卧室墙面潮湿发霉，家里有老人，希望尽快处理。",
    ],
    "neighbour-noise": [
        "{place}楼上每天晚上十一点以后还在拖动桌椅、跳绳，影响休息，请帮忙劝导。",
        "{place}有住户装修周末早上七点就开始电钻作业，噪音很大。",
        "{place}楼下广场舞音响声音太大，晚上九点后仍未停止，希望能协调音量和时间。",
    ],
    "neighbour-pets": [
        "{place}有住户养的大型犬经常不拴绳在楼道里跑，孩子很害怕。",
        "{place}楼下有人遛狗不清理粪便，绿化带里到处都是。",
    ],
    "parking-car": [
        "{place}门口经常有私家车乱停放，堵住了单元出入口，老人出行不方便。",
        "{place}小区路边双排停车，早上车辆出不去，请协调规范停车。",
        "{place}有一辆外来车辆长期占用人行道停放。",
    ],
    "parking-bike": [
        "{place}单元门口电动车、自行车乱放，通道被堵，请帮忙整理。",
        "{place}共享单车堆放在小区门口，影响通行。",
    ],
    "parking-abandoned": [
        "{place}有一辆落满灰尘的旧车停了半年多没人动，轮胎都瘪了，占用车位。",
    ],
    "parking-space": [
        "{place}有人私装地锁占用公共车位，其他业主无法停车。",
    ],
    "fire_lane-blocked": [
        "{place}消防通道被私家车堵住了，万一有火情消防车进不来，请尽快处理。",
        "{place}消防通道上堆放了建材和杂物，已经好几天了。",
    ],
    "fire_lane-corridor": [
        "{place}楼道里堆满了纸箱和旧家具，存在消防隐患。",
        "{place}有住户在楼道里放鞋柜和杂物，走路都要侧身。",
    ],
    "fire_lane-equipment": [
        "{place}楼道里的灭火器过期了，消火栓箱门也坏了。",
    ],
    "sanitation-garbage": [
        "{place}垃圾桶已经满了两天没有清运，气味很大，夏天招苍蝇。",
        "{place}垃圾分类投放点周边散落垃圾，清运不及时。",
        "{place}节后垃圾堆积，清运车一直没来。",
    ],
    "sanitation-dirty_spot": [
        "{place}楼后空地成了卫生死角，堆满了生活垃圾。",
    ],
    "sanitation-sewer": [
        "{place}下水道堵塞，污水从井口冒出来，路面很脏。",
    ],
    "sanitation-construction_waste": [
        "{place}有住户装修垃圾直接倒在绿化带旁边，没有清运。",
    ],
    "property-elevator": [
        "{place}电梯这周已经停了两次，有老人被困过，请督促物业彻底维修。",
        "{place}电梯运行时有异响，按钮失灵。",
    ],
    "property-cleaning": [
        "{place}楼道很久没有打扫了，扶手上全是灰。",
    ],
    "property-access": [
        "{place}单元门禁坏了一周，陌生人随便进出。",
    ],
    "property-greenery": [
        "{place}楼前的树枝太长挡住了二楼窗户，希望修剪一下。",
    ],
    "property-fees": [
        "{place}物业费上涨但服务没有改善，业主意见很大，希望社区协调。",
    ],
    "safety-ebike": [
        "{place}有人从楼上拉电线给电动车充电，晚上也不拔，非常危险。",
        "{place}电动车推进楼道充电，存在火灾隐患。",
    ],
    "safety-falling": [
        "{place}楼上有人往下扔垃圾，差点砸到人。",
    ],
    "safety-gas": [
        "{place}楼道里有燃气味道，请尽快派人查看。",
    ],
    "safety-structure": [
        "{place}老楼外墙出现裂缝，阳台有混凝土块掉落。",
    ],
    "facilities-streetlight": [
        "{place}路灯坏了好几盏，晚上很黑，老人出行不安全。",
    ],
    "facilities-manhole": [
        "{place}路边井盖破损，有一个角塌下去了，容易绊倒行人。",
    ],
    "facilities-road": [
        "{place}小区道路坑洼不平，下雨积水。",
    ],
    "facilities-fitness": [
        "{place}健身器材的转盘坏了，孩子玩的时候有危险。",
    ],
    "facilities-charging": [
        "{place}充电桩数量太少，晚上排队充电，希望扩容。",
    ],
    "utilities-water": [
        "{place}自来水发黄，已经两天了，请帮忙联系供水公司。",
    ],
    "utilities-power": [
        "{place}单元经常跳闸停电，线路老化。",
    ],
    "utilities-heating": [
        "{place}暖气不热，室温只有十四五度，家里有老人孩子。",
    ],
    "livelihood-elderly": [
        "{place}独居老人行动不便，希望社区能定期上门看望，帮忙买菜。",
    ],
    "livelihood-consult": [
        "想咨询一下{place}所在社区办理居住证明需要带哪些材料。",
        "咨询高龄补贴怎么申请，{place}的老人今年满八十岁了。",
    ],
    "livelihood-assistance": [
        "{place}有一户家庭因病致困，希望了解低保和临时救助的申请。",
    ],
    "city-vending": [
        "{place}门口早晚有流动摊贩占道经营，影响通行。",
    ],
    "city-ads": [
        "{place}单元门和电线杆上贴满了小广告。",
    ],
    "city-construction": [
        "{place}附近工地晚上十点以后还在施工，扬尘也很大。",
    ],
}

HANDLING: dict[str, str] = {
    "neighbour-leak": "已上门查明漏点为楼上卫生间防水层破损，协调楼上住户修复，双方确认调解结果。",
    "neighbour-noise": "已上门劝导，住户承诺晚间不再产生噪音，诉求人确认。",
    "neighbour-pets": "已约谈养犬人，签订文明养犬承诺书。",
    "parking-car": "已联系车主挪车，并在出入口设置禁停提示，附现场照片。",
    "parking-bike": "已组织志愿者整理车辆，划定停放区域。",
    "parking-abandoned": "已联系车主自行挪走车辆。",
    "parking-space": "地锁已拆除，双方达成协议。",
    "fire_lane-blocked": "消防通道已清理畅通，车主已教育，附现场照片。",
    "fire_lane-corridor": "楼道杂物已清理完毕，张贴楼道禁止堆物提示。",
    "fire_lane-equipment": "已更换过期灭火器，消火栓箱门修复。",
    "sanitation-garbage": "已协调环卫公司清运完毕，调整为每日两次清运，附现场照片。",
    "sanitation-dirty_spot": "已组织清理，清理前后照片已上传。",
    "sanitation-sewer": "已联系市政疏通，排水恢复正常。",
    "sanitation-construction_waste": "建筑垃圾已清运，责任住户已告知。",
    "property-elevator": "物业已联系维保单位更换故障部件，电梯检验后恢复运行。",
    "property-cleaning": "物业已完成楼道保洁，网格员复查合格。",
    "property-access": "门禁设备已修复，现场试用正常。",
    "property-greenery": "已安排绿化养护人员修剪完毕。",
    "property-fees": "已组织物业、业委会、居民三方协商，形成书面意见并告知诉求人。",
    "safety-ebike": "飞线已拆除，电动车已移至集中充电区。",
    "safety-falling": "已排查隐患，对相关住户进行了教育告知。",
    "safety-gas": "燃气公司已检修完毕，隐患排除。",
    "safety-structure": "已请专业机构鉴定，设置警示区域并安排加固。",
    "facilities-streetlight": "路灯已修复点亮。",
    "facilities-manhole": "井盖已更换，附照片。",
    "facilities-road": "路面已修补完毕。",
    "facilities-fitness": "损坏器材已修复。",
    "facilities-charging": "已协调供电所和物业增设充电桩，方案已答复诉求人。",
    "utilities-water": "供水公司已冲洗管道，水质检测合格。",
    "utilities-power": "供电所已更换老化线路，供电恢复。",
    "utilities-heating": "热力公司已上门排气维修，室温复测达标。",
    "livelihood-elderly": "已将老人纳入关爱档案，安排志愿者每周上门服务。",
    "livelihood-consult": "已电话答复诉求人所需材料和办理地点。",
    "livelihood-assistance": "已受理救助申请并答复办理进度。",
    "city-vending": "已劝离流动摊贩，引导至便民市场经营。",
    "city-ads": "小广告已清除，附清理前后照片。",
    "city-construction": "已督促工地调整施工时间并落实防尘措施。",
}

GENERIC_DESCRIPTION = "{place}有{category}的问题，希望尽快处理。"
GENERIC_HANDLING = "已现场处置完毕，诉求人知晓结果。"

# Why a worker passes a case up, suspends or extends it, and what a department reports back.
ESCALATE_NOTES = ["涉及多户，需网格协调处理", "需要相关部门配合，申请上级协调", "现场情况复杂，超出微网格处置能力"]
SUSPEND_NOTES = ["诉求人外出，约定下周上门", "等待维修配件到货", "等待物业维保单位排期"]
EXTEND_NOTES = ["需等待专业单位检测结果", "涉及产权单位协调，申请延期", "材料采购周期较长"]
FAIL_NOTES = ["复查时问题仍存在，需重新处置", "处置照片不清晰，现场仍有杂物"]
CANCEL_NOTES = ["重复上报，已合并到原诉求", "诉求人撤回"]
SUMMONS_REASONS = {
    "chengguan": "违法占道、乱停放需执法中队到场",
    "police": "涉及邻里纠纷和安全隐患，请派出所配合",
    "power": "涉及供电线路和充电设施，请供电所到场",
}
SUMMONS_RESULTS = {
    "chengguan": "执法中队已到场，责令当事人整改并登记在案。",
    "police": "社区民警已到场调解，双方达成一致。",
    "power": "供电所已到场检修线路，隐患排除。",
}


def description(rng: random.Random, code: str, category_name: str, place: str) -> str:
    """A resident's words for an appeal of `code` at `place`."""
    options = DESCRIPTIONS.get(code) or [GENERIC_DESCRIPTION]
    return rng.choice(options).format(place=place, category=category_name)


def handling(code: str) -> str:
    return HANDLING.get(code, GENERIC_HANDLING)
