"""The one source of "now". Code asks here so tests can move time (time-machine patches these calls)."""

import datetime as dt

from django.utils import timezone


# Migrations reference this by name (the default of every created_at …): do not rename, move or remove it
# (tests/test_migrations_frozen.py lists what migrations may import).
def now() -> dt.datetime:
    return timezone.now()


# Migrations reference this by name (date field defaults): do not rename, move or remove it
# (tests/test_migrations_frozen.py lists what migrations may import).
def today() -> dt.date:
    return timezone.localdate(now())
