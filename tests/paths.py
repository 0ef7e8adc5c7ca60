"""Running two implementations of one write on the same PostgreSQL data and comparing every row they write.

Each path runs inside a savepoint: it is called, its answer (or its error) is kept, every row of every model's
table is read, and the savepoint is rolled back with the sequences set back, so the next path starts from the very
same data and draws the same ids. docs/architecture.md ("Fast paths") says when a fast path needs this proof.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, transaction

from gongzhi.core import pii
from gongzhi.core.errors import DomainError

Tables = dict[str, list[dict[str, Any]]]


def tables() -> Tables:
    """Every row of every model's table (in primary-key order), values normalised where they are random by design
    (personal data compared decrypted, delivery keys by length)."""
    out: Tables = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        rows = []
        for row in model._base_manager.order_by("pk").values():
            for name, value in row.items():
                if name.endswith("_encrypted") and value:
                    row[name] = ("decrypted", pii.decrypt(value))
                elif name == "delivery_key":
                    row[name] = ("random key", len(value))
            rows.append(row)
        out[meta.label] = rows
    return out


def sequences() -> list[tuple[str, str, int | None]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname, sequencename, last_value FROM pg_sequences")
        return cursor.fetchall()


def set_back(saved: list[tuple[str, str, int | None]]) -> None:
    with connection.cursor() as cursor:
        for schema, name, last in saved:
            cursor.execute(
                "SELECT setval(format('%%I.%%I', %s::text, %s::text), %s, %s)",
                [schema, name, last if last is not None else 1, last is not None],
            )


def error_of(exc: BaseException) -> tuple[Any, ...]:
    """What a caller sees of a refusal: its class, message, field and details."""
    if isinstance(exc, DomainError):
        return (type(exc).__name__, str(exc.message), exc.field, exc.details)
    return (type(exc).__name__, str(exc))


@dataclass
class Outcome:
    answer: Any  # what the call returned, as `describe` made it comparable; None on an error
    error: tuple[Any, ...] | None
    rows: Tables


@contextmanager
def switched(*modules_flags: tuple[Any, str, bool]) -> Iterator[None]:
    """Set (module, flag, value) switches for the duration, and put them back after."""
    saved = [(module, flag, getattr(module, flag)) for module, flag, _value in modules_flags]
    try:
        for module, flag, on in modules_flags:
            setattr(module, flag, on)
        yield
    finally:
        for module, flag, was in saved:
            setattr(module, flag, was)


Path = Callable[[], AbstractContextManager[None]]


def run_each(
    paths: dict[str, Path], call: Callable[[], Any], describe: Callable[[Any], Any] = lambda answer: answer
) -> tuple[Tables, dict[str, Outcome]]:
    """Run `call` once under each path's switch (a context manager factory), each on the same data; returns every
    row as it was before, and what each path answered and wrote. The data is as before after each run."""
    before = sequences()
    rows_before = tables()
    outcomes: dict[str, Outcome] = {}
    for name, path in paths.items():
        sid = transaction.savepoint()
        try:
            with path():
                try:
                    answer, error = describe(call()), None
                except Exception as exc:  # every refusal is compared, not raised
                    answer, error = None, error_of(exc)
            outcomes[name] = Outcome(answer, error, tables())
        finally:
            transaction.savepoint_rollback(sid)
            set_back(before)
    return rows_before, outcomes


def assert_same(rows_before: Tables, outcomes: dict[str, Outcome]) -> Outcome:
    """Every path answered alike and wrote the same rows (table by table), and a refused call wrote nothing;
    returns the first path's outcome."""
    (first, reference), *others = outcomes.items()
    if reference.error is not None:
        for label, rows in rows_before.items():
            assert reference.rows[label] == rows, (label, "a refused call wrote", first)
    for name, outcome in others:
        assert outcome.error == reference.error, (name, outcome.error, first, reference.error)
        assert outcome.answer == reference.answer, (name, outcome.answer, first, reference.answer)
        assert outcome.rows.keys() == reference.rows.keys()
        for label, rows in reference.rows.items():
            assert outcome.rows[label] == rows, (label, name, first)
    return reference
