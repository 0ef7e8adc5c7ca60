"""Benchmark: import a 100,000-row residents workbook into a fresh SQLite database.

    .venv/bin/python bench/import_bench.py [--rows 100000] [--keep DIR]

Builds a small area tree (200 micro-grids), a street-staff user and the households the residents need (imported
first from their own workbook, timed separately), then runs the residents import in a subprocess that does only
that, so its peak memory (ru_maxrss) is the import's own. A second import of the same file is timed too; it must
report 0 created and 0 updated. Prints one JSON line. Targets: residents import < 90 s, peak memory < 300 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红娥玲芬燕彩春菊凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽"
TAGS = ["空巢", "独居", "困境儿童", "低保", "残疾", "退役军人", "流动人口"]
RELATIONS = ["户主", "配偶", "子女", "父母", "孙子女", "其他"]
PER_HOUSEHOLD = 2.5


def _env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "gongzhi.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "CACHE_BACKEND": "locmem",
            "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _microgrids() -> list[str]:
    codes = []
    for s in range(1, 3):
        for c in range(1, 6):
            for g in range(1, 5):
                for m in range(1, 6):
                    codes.append(f"370211{s:03d}{c:03d}{g:03d}{m:02d}")
    return codes


def seed() -> None:
    """Areas, tags and the importing user; nothing else, so the import does all the registry work."""
    _django()
    from gongzhi.accounts.actions import membership_grant
    from gongzhi.accounts.models import User
    from gongzhi.areas.models import Area
    from gongzhi.people.models import Tag

    district = Area.objects.create(code="370211", name="黄岛区", level="district")
    by_code = {district.code: district}
    for code in _microgrids():
        for n, level in ((9, "street"), (12, "community"), (15, "grid"), (17, "microgrid")):
            part = code[:n]
            if part not in by_code:
                by_code[part] = Area.objects.create(
                    code=part,
                    name=f"{level}-{part}",
                    level=level,
                    parent=by_code[part[: {9: 6, 12: 9, 15: 12, 17: 15}[n]]],
                )
    for i, name in enumerate(TAGS):
        Tag.objects.create(code=f"tag{i}", name=name)
    user = User.objects.create_user(username="bench", password="bench-pass-1234")
    membership_grant(actor=None, user=user, role="street_staff", area=district)


def make_workbooks(rows: int, workdir: Path) -> tuple[Path, Path]:
    """Households and residents workbooks written in streaming mode; deterministic for a given row count."""
    sys.path.insert(0, str(ROOT))
    from openpyxl import Workbook

    from gongzhi.core.pii import id_check_digit

    rng = random.Random(20240501)
    micro = _microgrids()
    n_households = int(rows / PER_HOUSEHOLD)
    hh_path, res_path = workdir / "households.xlsx", workdir / "residents.xlsx"

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("户")
    ws.append(["户编号", "微网格编码", "地址", "门牌号"])
    for h in range(n_households):
        code = micro[h % len(micro)]
        ws.append(
            [
                f"H{h:07d}",
                code,
                f"测试小区{h // 120 + 1}号楼{(h // 20) % 6 + 1}单元{h % 20 + 1:02d}01",
                f"{h % 20 + 1:02d}01",
            ]
        )
    wb.save(hh_path)

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("居民")
    ws.append(["户编号", "姓名", "身份证号", "手机号", "性别", "出生日期", "与户主关系", "标签"])
    base = dt.date(1940, 1, 1)
    for i in range(rows):
        birth = base + dt.timedelta(days=i // 1000)
        first17 = f"370211{birth:%Y%m%d}{i % 1000:03d}"
        id_number = first17 + id_check_digit(first17)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        tags = "、".join(rng.sample(TAGS, rng.choice((1, 2)))) if rng.random() < 0.15 else ""
        phone = f"1{rng.choice('3578')}{i:09d}" if rng.random() < 0.8 else ""
        ws.append(
            [
                f"H{int(i / PER_HOUSEHOLD):07d}",
                name,
                id_number,
                phone,
                "男" if int(first17[16]) % 2 else "女",
                birth.isoformat(),
                RELATIONS[i % len(RELATIONS)],
                tags,
            ]
        )
    wb.save(res_path)
    return hh_path, res_path


def run_import(path: str, kind: str) -> None:
    """Run one import and nothing else; print its figures as JSON."""
    _django()
    from django.core.files import File

    from gongzhi.accounts.models import User
    from gongzhi.rosters import actions

    user = User.objects.get(username="bench")
    started = time.perf_counter()
    with open(path, "rb") as fh:
        job = actions.roster_import_start(actor=user, kind=kind, upload=File(fh, name=Path(path).name), enqueue=False)
    phases: dict[str, float] = {}

    def on_progress(phase: str, done: int, total: int) -> None:
        phases.setdefault(phase, time.perf_counter() - started)

    job = actions.roster_import_run(job_id=job.pk, on_progress=on_progress)
    wall = time.perf_counter() - started
    print(
        json.dumps(
            {
                "kind": kind,
                "status": job.status,
                "message": job.message,
                "rows": job.total_rows,
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
                "errors": job.error_count,
                "wall_s": round(wall, 2),
                "validate_s": round(phases.get("importing", wall) - phases.get("validating", 0), 2),
                "write_s": round(wall - phases.get("importing", wall), 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            },
            ensure_ascii=False,
        )
    )


def _sub(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(args)}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary folder)")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--import-file", help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="residents", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        return seed()
    if args.import_file:
        return run_import(args.import_file, args.kind)

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="gongzhi-import-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "bench.sqlite3").unlink(missing_ok=True)
    env = _env(workdir)
    me = str(Path(__file__).resolve())
    try:
        t = time.perf_counter()
        hh_path, res_path = make_workbooks(args.rows, workdir)
        generate_s = time.perf_counter() - t
        _sub(["manage.py", "migrate", "--noinput"], env)
        _sub([me, "--seed"], env)
        households = json.loads(
            _sub([me, "--import-file", str(hh_path), "--kind", "households"], env).strip().splitlines()[-1]
        )
        first = json.loads(
            _sub([me, "--import-file", str(res_path), "--kind", "residents"], env).strip().splitlines()[-1]
        )
        again = json.loads(
            _sub([me, "--import-file", str(res_path), "--kind", "residents"], env).strip().splitlines()[-1]
        )
        result = {
            "benchmark": "import_residents_xlsx",
            "database": "sqlite",
            "rows": args.rows,
            "file_mb": round(res_path.stat().st_size / 1e6, 1),
            "generate_s": round(generate_s, 1),
            "households_import": households,
            "residents_import": first,
            "residents_reimport": again,
            "wall_s": first["wall_s"],
            "peak_rss_mb": first["peak_rss_mb"],
            "target_wall_s": 90,
            "target_peak_mb": 300,
            "ok": first["status"] == "done"
            and first["created"] == args.rows
            and again["created"] == 0
            and again["updated"] == 0
            and first["wall_s"] < 90
            and first["peak_rss_mb"] < 300,
        }
        print(json.dumps(result, ensure_ascii=False))
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
