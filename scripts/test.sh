#!/usr/bin/env bash
# 安装测试所需并运行全部检查 / Install what the tests need, then run lint (ruff, the import contracts, mypy), the migrations check and the
# whole test suite on SQLite, and again on PostgreSQL when DATABASE_URL is set or CI=true. Idempotent.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

CHROMIUM=/usr/bin/chromium
CJK_FONT=/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
PG_DEFAULT_URL="postgres://postgres@127.0.0.1:5432/gongzhi_test_ci"
START=$SECONDS

ensure_venv requirements-dev.txt
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
[ -f "$CJK_FONT" ] || missing+=(fonts-wqy-zenhei)
# manage.py backup / restore on PostgreSQL run pg_dump and pg_restore (docs/operations.md); Debian's client of
# the same major version as the server (15 on bookworm) or newer.
if [ -n "${DATABASE_URL:-}" ] || [ "${CI:-}" = "true" ]; then
    command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 || missing+=(postgresql-client)
fi
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
else
    say "Chromium、中文字体与所需的 PostgreSQL 客户端已安装，跳过 / Chromium, the CJK font and the PostgreSQL client (when needed) are installed, skipping apt"
fi
ensure_assets
mkdir -p var/staticfiles
compile_messages

# Each step runs even when an earlier one failed, so one run reports everything; the exit status says if any did.
RESULTS=()
FAILED=0
step() {
    local name="$1" started=$SECONDS rc=0
    shift
    say "$name"
    "$@" || rc=$?
    if [ "$rc" -eq 0 ]; then
        RESULTS+=("通过 ok      $name ($((SECONDS - started)) s)")
    else
        RESULTS+=("失败 FAILED  $name (exit $rc, $((SECONDS - started)) s)")
        FAILED=1
    fi
}

# pytest exits 5 when it collected nothing; a suite that silently ran no tests is a failure too.
run_pytest() {
    local rc=0
    "$VENV/bin/pytest" -q -ra "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        printf '错误 ERROR: pytest 没有收集到任何测试 / pytest collected no tests\n' >&2
    fi
    return "$rc"
}

# The SQLite steps must not pick up a PostgreSQL DATABASE_URL from the caller's environment.
sqlite() { (
    unset DATABASE_URL
    "$@"
); }
postgres() { DATABASE_URL="$PG_URL" "$@"; }

step "ruff check" "$VENV/bin/ruff" check --output-format concise .
step "ruff format --check" "$VENV/bin/ruff" format --check .
step "import contracts (lint-imports)" "$VENV/bin/lint-imports" --no-cache
step "mypy" "$VENV/bin/mypy"
step "makemigrations --check" sqlite "$PY" manage.py makemigrations --check --dry-run
step "manage.py check" sqlite "$PY" manage.py check --fail-level WARNING
step "pytest (SQLite)" sqlite run_pytest

pg_reachable() {
    "$PY" - "$1" <<'EOF'
import sys

import psycopg

# pytest-django creates test_<name> itself, so only the server (its maintenance database) has to answer.
try:
    psycopg.connect(sys.argv[1], dbname="postgres", connect_timeout=5).close()
except psycopg.Error as exc:
    print(f"  {str(exc).strip()}", file=sys.stderr)
    sys.exit(1)
EOF
}

if [ -n "${DATABASE_URL:-}" ] || [ "${CI:-}" = "true" ]; then
    PG_URL="${DATABASE_URL:-$PG_DEFAULT_URL}"
    say "检查 PostgreSQL / checking PostgreSQL at ${PG_URL%%\?*}"
    if pg_reachable "$PG_URL"; then
        step "pytest (PostgreSQL)" postgres run_pytest
    else
        RESULTS+=("失败 FAILED  pytest (PostgreSQL): 无法连接 PostgreSQL / server not reachable at $PG_URL")
        FAILED=1
    fi
else
    RESULTS+=("跳过 skipped pytest (PostgreSQL): 未设置 DATABASE_URL 或 CI=true / set DATABASE_URL or CI=true to run it")
fi

printf '\n\033[1m---- 汇总 summary ----\033[0m\n'
printf '  %s\n' "${RESULTS[@]}"
if [ "$FAILED" -eq 0 ]; then
    printf '\033[1;32m全部通过 / ALL PASSED\033[0m in %d s\n' "$((SECONDS - START))"
else
    printf '\033[1;31m有失败 / FAILED\033[0m in %d s\n' "$((SECONDS - START))"
fi
exit "$FAILED"
