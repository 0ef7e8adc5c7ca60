"""GONGZHI_ENV=production: Django's deploy check is clean under it, and it refuses to start with unsafe values.

Settings are read once per process, so each case runs `manage.py` in a subprocess with its own environment.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = {
    "GONGZHI_ENV": "production",
    "SECRET_KEY": "k3Jq9vX2mPz7Lw4Rt8Yb1Nc6Hd0Fg5Sa-Ue_Io2Pl7Kj4Mn9Bv3Cx8Zq1Wt6Er",
    "PII_KEY": "p7Hs2Kd9Lq4Wx1Vz8Nc3Mb6Rt0Yf5Ga-Ju",
    "ALLOWED_HOSTS": "gongzhi.example.cn",
    "BACKUP_KEY": "b4Tn8Wq2Lx6Zs0Vd3Kp7Hm1Rc5Yg9Ju-Fe",
}
# Variables that would change the outcome if the test run set them (DJANGO_ALLOW_ASYNC_UNSAFE: some tests do).
CLEARED = {"DJANGO_SETTINGS_MODULE", "GONGZHI_ENV", "SECRET_KEY", "PII_KEY", "ALLOWED_HOSTS", "DEBUG", "BACKUP_KEY"}
CLEARED |= {"PII_KEY_PREVIOUS"}
CLEARED |= {
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k not in CLEARED} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full, capture_output=True, text=True, timeout=120
    )


def test_the_deploy_check_is_clean_under_the_production_profile():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=GOOD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_turning_hsts_preload_off_keeps_the_deploy_check_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=GOOD | {"SECURE_HSTS_PRELOAD": "false"})
    assert result.returncode == 0, result.stdout + result.stderr


UNSET = None


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SECRET_KEY", UNSET, ["SECRET_KEY is the development value", "at least 50 characters", "token_urlsafe(50)"]),
        (
            "SECRET_KEY",
            "short-but-random-9f8e7d",
            ["SECRET_KEY is only 23 characters long", "SECRET_KEY 只有 23 个字符"],
        ),
        ("SECRET_KEY", "a" * 60, ["SECRET_KEY is not a random value"]),
        ("SECRET_KEY", "django-insecure-" + GOOD["SECRET_KEY"], ["SECRET_KEY is not a random value"]),
        (
            "PII_KEY",
            UNSET,
            ["PII_KEY is the development value", "at least 32 characters", "PII_KEY 仍是开发用的默认值"],
        ),
        ("PII_KEY", "dev-only-pii-key-change-me", ["PII_KEY is the development value"]),
        ("PII_KEY", "0123456789abcdef", ["PII_KEY is only 16 characters long"]),
        ("PII_KEY", GOOD["SECRET_KEY"], ["PII_KEY must differ from SECRET_KEY"]),
        ("ALLOWED_HOSTS", UNSET, ["ALLOWED_HOSTS is empty", "ALLOWED_HOSTS 为空"]),
        ("ALLOWED_HOSTS", " , ", ["ALLOWED_HOSTS is empty"]),
        ("DEBUG", "true", ["DEBUG must be off in production"]),
        (
            "BACKUP_KEY",
            UNSET,
            ["BACKUP_KEY is the development value", "at least 32 characters", "BACKUP_KEY 仍是开发用的默认值"],
        ),
        ("BACKUP_KEY", "0123456789abcdef0123", ["BACKUP_KEY is only 20 characters long"]),
        ("BACKUP_KEY", GOOD["PII_KEY"], ["BACKUP_KEY must differ from SECRET_KEY and PII_KEY"]),
        ("PII_KEY_PREVIOUS", GOOD["PII_KEY"], ["PII_KEY_PREVIOUS must differ from PII_KEY"]),
    ],
)
def test_the_production_profile_refuses_an_unsafe_value(variable, value, expected):
    env = {k: v for k, v in GOOD.items() if k != variable}
    if value is not UNSET:
        env[variable] = value
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: GONGZHI_ENV=production 拒绝启动 / refuses to start:" in result.stderr
    for text in expected:
        assert text in result.stderr
    problems = [line for line in result.stderr.splitlines() if line.startswith("- ")]
    assert len(problems) == 1 and problems[0].startswith(f"- {variable} "), problems  # only the bad one is named


def test_an_unknown_profile_is_refused():
    result = manage("check", env=GOOD | {"GONGZHI_ENV": "staging"})
    assert result.returncode != 0
    assert "GONGZHI_ENV must be development or production, not 'staging'" in result.stderr


def test_the_development_default_is_unchanged():
    code = (
        "from django.conf import settings as s; "
        "print(s.GONGZHI_ENV, s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, ','.join(s.ALLOWED_HOSTS))"
    )
    result = manage("shell", "-v", "0", "-c", code, env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "development",
        *["False"] * 4,
        "0",
        "None",
        "127.0.0.1,localhost,testserver,[::1]",
    ]


def test_production_sets_the_https_settings_and_exempts_the_health_check():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, "
        "'|'.join(s.SECURE_PROXY_SSL_HEADER), s.SECURE_REDIRECT_EXEMPT[0]); "
        "from django.test import Client; c = Client(); "
        "print(c.get('/healthz', HTTP_HOST='gongzhi.example.cn').status_code, "
        "c.get('/', HTTP_HOST='gongzhi.example.cn').status_code, "
        "c.get('/', HTTP_HOST='gongzhi.example.cn', HTTP_X_FORWARDED_PROTO='https').status_code)"
    )
    result = manage("shell", "-v", "0", "-c", code, env=GOOD)
    assert result.returncode == 0, result.stderr
    settings_line, statuses = result.stdout.split("\n")[:2]
    assert settings_line.split() == [
        "False",
        *["True"] * 3,
        "31536000",
        "True",
        "True",
        "HTTP_X_FORWARDED_PROTO|https",
        "^healthz$",
    ]
    # /healthz answers over plain HTTP (200, or 503 without a database), `/` is redirected unless the proxy says HTTPS.
    healthz, plain, proxied = statuses.split()
    assert healthz in {"200", "503"} and plain == "301" and proxied != "301"
