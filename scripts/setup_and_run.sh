#!/usr/bin/env bash
# 安装一切并启动 Gongzhi / Install everything and run Gongzhi on http://127.0.0.1:8000.
# Idempotent: every step is skipped or cheap when its work is already done. Stop with Ctrl-C.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
URL="http://$HOST:$PORT"
DEMO_SIZE="${DEMO_SIZE:-S}"

ensure_venv requirements.txt
ensure_gettext
ensure_assets
mkdir -p var
compile_messages

manage() { "$PY" manage.py "$@"; }

say "收集静态文件 / collectstatic"
manage collectstatic --noinput -v 0
# A PostgreSQL DATABASE_URL naming a database that does not exist yet: create it (nothing for SQLite).
"$PY" scripts/ensure_database.py || die "PostgreSQL 数据库不可用（见上）/ the PostgreSQL database is not usable (see above)"
say "数据库迁移 / migrate"
manage migrate --noinput -v 0
manage createcachetable -v 0

if manage help seed_demo >/dev/null 2>&1; then
    if manage shell -v 0 -c 'import sys; from gongzhi.areas.models import Area; sys.exit(0 if Area.objects.exists() else 1)'; then
        say "数据库已有数据，不重新生成演示数据 / database not empty, keeping it; demo logins:"
        manage seed_demo --print-logins || warn "无法打印演示账号 / could not print the demo logins"
    else
        say "生成演示街区（规模 $DEMO_SIZE）/ loading the demo district (size $DEMO_SIZE)"
        manage seed_demo --size "$DEMO_SIZE" --if-empty
    fi
else
    warn "还没有 seed_demo 命令，跳过演示数据 / the seed_demo command does not exist yet; no demo district loaded"
fi
# Each of these only adds what is missing, so a second run changes nothing.
say "诉求分类、积分方案、志愿活动、议事协商、巡查、服务对接、关爱档案与 Open311 演示密钥 / categories, points scheme, volunteering, deliberation, patrol, matching and care demo, Open311 demo key"
manage seed_categories -v 0
manage seed_points --demo -v 0
manage seed_volunteering -v 0
manage seed_inspections -v 0
manage seed_deliberation -v 0
manage seed_matching -v 0
manage seed_care -v 0
manage seed_carelink -v 0
# A year of appeals (7135 measures), points (four past redemption days, one open now) and volunteering.
manage seed_history -v 0
manage seed_awards -v 0
say "Open311 演示密钥 / Open311 demo client key: $(manage open311_key --demo --print)"

if "$PY" - "$HOST" "$PORT" <<'EOF'; then
import socket, sys
with socket.socket() as s:
    s.settimeout(1)
    sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)
EOF
    die "端口 $PORT 已被占用（是否已在运行？）/ port $PORT is already in use (already running?)"
fi

WORKER_PID=""
WEB_PID=""
cleanup() {
    trap - EXIT INT TERM
    say "正在停止 / stopping"
    for pid in $WEB_PID $WORKER_PID; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "启动后台任务进程 / starting the task worker (task_worker) and the periodic sweeps"
# Started directly (not through the shell function) so that $! is the process itself and the trap can stop it.
# task_worker is django-tasks-db's db_worker with a heartbeat, which /healthz checks (docs/operations.md).
"$PY" manage.py task_worker &
WORKER_PID=$!
# Deadlines (7135 escalation), awards whose publicity ended, points past their scheme's expiry,
# notifications that still wait for delivery, and overdue care visits.
"$PY" manage.py sweep_deadlines --interval 30 &
WORKER_PID="$WORKER_PID $!"
"$PY" manage.py post_due_awards --interval 300 &
WORKER_PID="$WORKER_PID $!"
"$PY" manage.py expire_points --interval 3600 &
WORKER_PID="$WORKER_PID $!"
"$PY" manage.py sweep_matching --interval 300 &
WORKER_PID="$WORKER_PID $!"
"$PY" manage.py deliver_notifications --interval 15 &
WORKER_PID="$WORKER_PID $!"
# Rectification orders (整改单) past their deadline become overdue.
"$PY" manage.py sweep_rectifications --interval 3600 &
"$PY" manage.py sweep_deliberation --interval 60 &
# Care visits overdue past their margin: to the grid's owner, then the community (docs/care.md).
"$PY" manage.py sweep_care_visits --interval 3600 &
WORKER_PID="$WORKER_PID $!"
# Retention (PIPL): roster uploads after UPLOAD_RETENTION_DAYS, left-over exports, old audit events (docs/operations.md).
"$PY" manage.py sweep_retention --interval 86400 &
WORKER_PID="$WORKER_PID $!"

say "启动 Web 服务 / starting gunicorn on $URL"
# gunicorn reads gunicorn.conf.py here: /metrics adds up its workers' counts (PROMETHEUS_MULTIPROC_DIR=var/prometheus).
"$VENV/bin/gunicorn" gongzhi.wsgi:application \
    --bind "$HOST:$PORT" \
    --workers "${WEB_CONCURRENCY:-3}" \
    --timeout 60 \
    --access-logfile - \
    --log-level warning &
WEB_PID=$!

for _ in $(seq 1 60); do
    if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10)' "$URL/healthz" 2>/dev/null; then
        break
    fi
    kill -0 "$WEB_PID" 2>/dev/null || die "gunicorn 启动失败 / gunicorn did not start"
    sleep 0.5
done
printf '\n\033[1;32m共治已启动 / Gongzhi is running:\033[0m %s   (接口文档 API docs: %s/api/v1/docs)\n' "$URL" "$URL"
printf '按 Ctrl-C 停止 / press Ctrl-C to stop\n\n'

# Whichever process stops first ends the run; the trap then stops the others.
# shellcheck disable=SC2086 # WORKER_PID holds several ids
wait -n "$WEB_PID" $WORKER_PID
