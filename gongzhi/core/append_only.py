"""Rows written once: corrections are new rows (event logs, ledgers, the audit trail)."""

from typing import Any, NoReturn, TypeVar

from django.db import models


class AppendOnlyError(RuntimeError):
    pass


_M = TypeVar("_M", bound=models.Model)


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("append-only rows cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("append-only rows cannot be deleted")


class AppendOnlyModel(models.Model):
    """Rows are written once; corrections are new rows."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("append-only rows cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("append-only rows cannot be deleted")
