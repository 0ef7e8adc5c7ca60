"""What a restore must bring back, read from one database: row counts of every table, every ledger balance with
its verification, every appeal's event chain, and a digest of the decrypted personal numbers.

Run in the test process against the source, and by `python -m tests.operations.fingerprint` (DATABASE_URL set)
against the restored database, which prints it as JSON.
"""

import hashlib
import json
from typing import Any

from django.db import connection


def fingerprint() -> dict[str, Any]:
    from gongzhi.appeals.models import Appeal, AppealEvent
    from gongzhi.core import ledger, pii
    from gongzhi.people.models import Resident

    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    accounts = {
        account.code: [account.balance, ledger.balance(account=account), ledger.verify_account(account=account)]
        for account in ledger.LedgerAccount.objects.order_by("code")
    }
    chains: dict[str, list[Any]] = {}
    events = AppealEvent.objects.order_by("appeal_id", "occurred_at", "id").values_list(
        "appeal__number", "action", "from_state", "to_state", "actor_id", "occurred_at", "note", "data"
    )
    for number, action, from_state, to_state, actor, at, note, data in events:
        chains.setdefault(number, []).append([action, from_state, to_state, actor, at.isoformat(), note, data])
    states = dict(Appeal.objects.values_list("number", "state"))
    people = hashlib.sha256()
    for pk, token, phone in Resident.objects.order_by("pk").values_list("pk", "id_number_encrypted", "phone_encrypted"):
        people.update(f"{pk}:{pii.decrypt(token)}:{pii.decrypt(phone)};".encode())
    return {"counts": counts, "ledger": accounts, "chains": chains, "states": states, "people": people.hexdigest()}


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(fingerprint(), sort_keys=True, default=str))
