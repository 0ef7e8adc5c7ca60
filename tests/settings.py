"""Test settings: the production settings with an in-process cache and tasks run immediately."""

from gongzhi.settings import *  # noqa: F403

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; real hashing is Django's own tested code
# Serve static files from the finders in tests (the live server of browser tests too); no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# Staff sessions do not time out in tests that move the clock far ahead: tests/otp/test_idle_timeout.py turns the
# limit on where it is what the test is about.
SESSION_IDLE_MINUTES = 0
