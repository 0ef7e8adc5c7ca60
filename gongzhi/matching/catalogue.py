"""The default catalogue: 7 categories and 50 items from the seeds (文化东路街道's list of "7 categories, 50 items";
长江瑞城's micro-wishes and errands; 海琴社区's 便民工坊). Hours per step: dispatch, accept, claim, fulfil, rate."""

from __future__ import annotations

# (code, name, [(item, description, (dispatch, accept, claim, fulfil, rate) hours)])
Hours = tuple[int, int, int, int, int]
QUICK: Hours = (4, 4, 12, 24, 72)  # small errands and urgent help
NORMAL: Hours = (24, 24, 48, 72, 72)
LONG: Hours = (24, 48, 72, 240, 120)  # tutoring terms, repairs that need parts, legal cases

CATEGORIES: list[tuple[str, str, list[tuple[str, str, Hours]]]] = [
    ("elderly", "助老", [
        ("上门探访", "独居、空巢老人定期上门看望", NORMAL),
        ("助餐送餐", "为行动不便老人送餐到户", QUICK),
        ("陪同就医", "陪同老人到医院就诊取药", QUICK),
        ("代购代买", "代买生活用品、药品", QUICK),
        ("助浴理发", "上门助浴、理发", NORMAL),
        ("智能手机教学", "教老人使用手机、健康码、视频通话", NORMAL),
        ("适老化改造", "扶手、防滑垫等居家适老化改造", LONG),
        ("精神慰藉", "聊天陪伴、节日问候", NORMAL),
    ]),
    ("study", "助学", [
        ("课业辅导", "中小学生课后作业辅导", LONG),
        ("四点半课堂", "放学后托管与看护", NORMAL),
        ("假期托管", "寒暑假托管、夏令营", LONG),
        ("心理疏导", "青少年心理咨询与疏导", NORMAL),
        ("学习用品捐赠", "书包、文具、图书", NORMAL),
        ("助学金申请帮办", "困难家庭学生助学金申请", LONG),
        ("阅读推广", "亲子阅读、读书会", NORMAL),
    ]),
    ("relief", "助困", [
        ("困难帮扶慰问", "低保、特困家庭走访慰问", NORMAL),
        ("微心愿圆梦", "困难群众、留守儿童的小心愿", NORMAL),
        ("物资捐赠", "衣物、粮油等生活物资", NORMAL),
        ("就业推荐", "岗位推荐、技能培训报名", LONG),
        ("救助政策帮办", "低保、临时救助申请帮办代办", LONG),
        ("残疾人帮扶", "辅具申领、康复帮扶", LONG),
        ("证照代办", "身份证、社保卡等代办", NORMAL),
    ]),
    ("health", "医疗健康", [
        ("健康义诊", "测血压血糖、健康咨询", NORMAL),
        ("家庭医生签约", "签约与上门随访", NORMAL),
        ("康复护理指导", "术后、慢病康复护理指导", NORMAL),
        ("中医理疗", "推拿、艾灸等中医适宜技术", NORMAL),
        ("急救知识培训", "心肺复苏、急救包扎", LONG),
        ("代取药品", "慢病药品代取", QUICK),
        ("健康讲座", "慢病防治、合理用药讲座", LONG),
    ]),
    ("legal", "法律服务", [
        ("法律咨询", "婚姻家庭、劳动、房产等法律咨询", NORMAL),
        ("矛盾调解", "邻里、家庭纠纷调解", NORMAL),
        ("法律援助申请", "法律援助申请帮办", LONG),
        ("普法宣传", "反诈、普法进社区", LONG),
        ("合同审查", "租房、务工合同审查", NORMAL),
        ("遗嘱咨询", "遗嘱、赡养问题咨询", NORMAL),
    ]),
    ("culture", "文体", [
        ("文艺演出", "节日文艺演出、广场舞指导", LONG),
        ("书法绘画培训", "书法、绘画、剪纸等兴趣课", LONG),
        ("体育健身指导", "太极拳、八段锦健身指导", NORMAL),
        ("社区电影放映", "露天电影、红色影片放映", LONG),
        ("场地借用", "活动室、会议室借用", NORMAL),
        ("节日活动", "邻里节、端午、中秋等节日活动", LONG),
        ("红色教育", "党史宣讲、红色研学", LONG),
    ]),
    ("home", "家政维修", [
        ("水电维修", "水管、电路、灯具维修", QUICK),
        ("家电维修", "空调、洗衣机、燃气灶维修", NORMAL),
        ("开锁换锁", "开锁、换锁芯", QUICK),
        ("家政保洁", "居家保洁、油烟机清洗", NORMAL),
        ("缝纫修补", "衣物缝补、改衣", NORMAL),
        ("管道疏通", "下水道、马桶疏通", QUICK),
        ("家具维修", "门窗、桌椅维修安装", NORMAL),
        ("磨刀配钥匙", "磨刀、配钥匙等便民小修", QUICK),
    ]),
]  # fmt: skip


def item_count() -> int:
    return sum(len(items) for _code, _name, items in CATEGORIES)
