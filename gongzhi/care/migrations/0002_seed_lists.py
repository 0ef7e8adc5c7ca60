"""The common version of the care lists, editable afterwards (care.configure): care tags, risk levels 红/黄/绿
(weekly, every two weeks, monthly) and the visit triggers of 三必到、六必访 (seed 002). Frozen data: no app code."""

from django.db import migrations

TAGS = [
    ("empty-nest", "空巢", False),
    ("living-alone", "独居", False),
    ("very-old", "高龄", False),
    ("child-in-difficulty", "困境儿童", True),
    ("aspiring-youth", "励志少年", True),
    ("disabled", "残疾", False),
    ("subsistence", "低保", False),
    ("serious-illness", "重病", False),
    ("psych-attention", "心理关注", False),
]
LEVELS = [("red", "红", "#d9363e", 1, 7), ("yellow", "黄", "#e6a23c", 2, 14), ("green", "绿", "#3a9d5d", 3, 30)]
TRIGGERS = [
    ("illness", "生病住院", "must_attend", 1),
    ("incident", "突发事件", "must_attend", 1),
    ("family-occasion", "红白喜事等家庭重大事项", "must_attend", 3),
    ("hardship", "家庭遭遇困难", "must_visit", 7),
    ("empty-nest", "成为空巢老人", "must_visit", 7),
    ("living-alone", "成为独居老人", "must_visit", 7),
    ("disability", "家庭成员残疾", "must_visit", 7),
    ("unemployed", "家庭成员失业", "must_visit", 7),
    ("conflict", "家庭发生矛盾纠纷", "must_visit", 3),
]


def load(apps, schema_editor):
    CareTag = apps.get_model("care", "CareTag")
    RiskLevel = apps.get_model("care", "RiskLevel")
    VisitTrigger = apps.get_model("care", "VisitTrigger")
    for order, (code, name, child) in enumerate(TAGS):
        CareTag.objects.get_or_create(code=code, defaults={"name": name, "is_child": child, "order": order})
    for code, name, color, rank, days in LEVELS:
        RiskLevel.objects.get_or_create(
            code=code, defaults={"name": name, "color": color, "rank": rank, "interval_days": days}
        )
    for order, (code, name, group, days) in enumerate(TRIGGERS):
        VisitTrigger.objects.get_or_create(
            code=code, defaults={"name": name, "group": group, "within_days": days, "order": order}
        )


class Migration(migrations.Migration):
    # This file was first named `care0002.py` (not numbered, so `makemigrations` numbered the next one 0001). A
    # database that applied it has ("care", "care0002") in django_migrations: `replaces` makes Django count this
    # migration as applied there (and record it), instead of running it again; a new database runs it once.
    replaces = [("care", "care0002")]
    dependencies = [("care", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
