"""The one source of "now". Code asks here so tests can move time (time-machine patches these calls)."""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    return timezone.localdate(now())
