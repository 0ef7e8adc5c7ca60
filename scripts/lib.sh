# Shared by scripts/setup_and_run.sh and scripts/test.sh (sourced, not run).
# Every step checks first and does nothing when its work is already done, so both commands can be rerun freely.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
warn() { printf '\033[1;33m警告 WARNING:\033[0m %s\n' "$*" >&2; }
die() {
    printf '\033[1;31m错误 ERROR:\033[0m %s\n' "$*" >&2
    exit 1
}

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "需要 root 权限安装系统软件包 / need root (or sudo) to run: $*"
    fi
}

# apt-get that waits for another apt/dpkg run (e.g. an unattended upgrade) instead of failing on its lock.
apt_get() {
    local attempt
    for attempt in 1 2 3 4 5 6; do
        if as_root env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=120 "$@"; then
            return 0
        fi
        warn "apt-get $* 失败（可能另一个 apt 正在运行），10 秒后重试 / failed (another apt may hold the lock), retry $attempt/6 in 10 s"
        sleep 10
    done
    return 1
}

APT_UPDATED=0
apt_install() {
    command -v apt-get >/dev/null 2>&1 || die "找不到 apt-get，请手动安装 / no apt-get here; please install by hand: $*"
    if [ "$APT_UPDATED" -eq 0 ]; then
        say "apt-get update"
        apt_get update || die "apt-get update 失败 / failed"
        APT_UPDATED=1
    fi
    say "apt-get install $*"
    apt_get install -y --no-install-recommends "$@" || die "无法安装 / could not install: $*"
}

sha_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

# ensure_venv REQUIREMENTS_FILE: create .venv when missing; pip install only when the requirement files changed.
ensure_venv() {
    local req="$1" stamp sum files
    command -v python3 >/dev/null 2>&1 || die "需要 python3 ≥ 3.11 / python3 ≥ 3.11 is required"
    python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "需要 Python ≥ 3.11 / Python ≥ 3.11 is required"
    if [ ! -x "$PY" ]; then
        say "创建虚拟环境 / creating virtualenv .venv"
        python3 -m venv "$VENV" || {
            apt_install python3-venv
            python3 -m venv "$VENV"
        } || die "无法创建 .venv / could not create .venv"
    fi
    # -r includes are part of what is installed, so they are part of the stamp.
    files="$ROOT/$req"
    if grep -q '^-r requirements.txt' "$ROOT/$req"; then files="$ROOT/requirements.txt $files"; fi
    # shellcheck disable=SC2086
    sum="$(sha_of $files)"
    stamp="$VENV/.stamp-$(basename "$req")"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
        say "Python 依赖已是最新，跳过 / Python packages up to date ($req), skipping pip"
        return 0
    fi
    say "安装 Python 依赖 / installing Python packages from $req"
    "$PY" -m pip install -q --disable-pip-version-check -r "$ROOT/$req" || die "pip install -r $req 失败 / failed"
    echo "$sum" >"$stamp"
}

ensure_gettext() {
    command -v msgfmt >/dev/null 2>&1 || apt_install gettext
}

# npm ci only when package-lock.json changed since the last install; then copy the assets into static/vendor.
ensure_assets() {
    local stamp="$ROOT/node_modules/.stamp-lock" sum
    if ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm
    fi
    if [ -f "$ROOT/package-lock.json" ]; then
        sum="$(sha_of "$ROOT/package.json" "$ROOT/package-lock.json")"
        if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
            say "npm 依赖已是最新，跳过 / npm packages up to date, skipping npm ci"
        else
            say "npm ci"
            (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci 失败 / failed"
            echo "$sum" >"$stamp"
        fi
    else
        say "npm install (no package-lock.json)"
        (cd "$ROOT" && npm install --no-audit --no-fund --loglevel=error) || die "npm install 失败 / failed"
    fi
    "$PY" "$ROOT/scripts/vendor_assets.py" || die "复制前端资源失败 / copying vendor assets failed"
}

compile_messages() {
    if find "$ROOT/locale" "$ROOT/gongzhi" -name '*.po' -print -quit 2>/dev/null | grep -q .; then
        ensure_gettext
        say "编译翻译 / compiling translations"
        (cd "$ROOT" && "$PY" manage.py compilemessages -v 0 --ignore=.venv --ignore=node_modules) ||
            die "compilemessages 失败 / failed"
    else
        say "还没有翻译文件 (.po)，跳过 / no .po files yet, skipping compilemessages"
    fi
}
