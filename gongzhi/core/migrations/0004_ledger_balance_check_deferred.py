"""The balance guard moves to commit time, so a post can be one statement on PostgreSQL.

`core.ledger.post` now inserts the postings and updates the balances in one statement (data-modifying CTEs), whose
parts run in no fixed order: a BEFORE UPDATE trigger on the account could run before the posting it must match is
visible. The check is the same — an account's balance equals its latest posting's balance_after — made by a
deferred constraint trigger at commit, reading the account's current row (it may change twice in one transaction).
Opening with a balance other than 0 is still refused at once.
"""

from django.db import migrations


FORWARD = r"""
DROP TRIGGER IF EXISTS core_ledgeraccount_balance ON core_ledgeraccount;

CREATE OR REPLACE FUNCTION core_ledgeraccount_check_opening() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.balance <> 0 THEN
        RAISE EXCEPTION 'a ledger account opens with balance 0, not %', NEW.balance USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER core_ledgeraccount_opening BEFORE INSERT ON core_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION core_ledgeraccount_check_opening();

CREATE OR REPLACE FUNCTION core_ledgeraccount_check_balance_deferred() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE current_balance bigint; current_code text; latest bigint;
BEGIN
    SELECT balance, code INTO current_balance, current_code FROM core_ledgeraccount WHERE id = NEW.id;
    SELECT balance_after INTO latest FROM core_posting WHERE account_id = NEW.id ORDER BY id DESC LIMIT 1;
    IF current_balance IS DISTINCT FROM COALESCE(latest, 0) THEN
        RAISE EXCEPTION 'account % balance % differs from its latest posting %', current_code, current_balance, latest
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER core_ledgeraccount_balance_deferred AFTER UPDATE ON core_ledgeraccount
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.balance IS DISTINCT FROM OLD.balance)
    EXECUTE FUNCTION core_ledgeraccount_check_balance_deferred();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS core_ledgeraccount_balance_deferred ON core_ledgeraccount;
DROP FUNCTION IF EXISTS core_ledgeraccount_check_balance_deferred();
DROP TRIGGER IF EXISTS core_ledgeraccount_opening ON core_ledgeraccount;
DROP FUNCTION IF EXISTS core_ledgeraccount_check_opening();
CREATE TRIGGER core_ledgeraccount_balance BEFORE INSERT OR UPDATE ON core_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION core_ledgeraccount_check_balance();
"""


class PostgresOnlySQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_ledger_postgres_guards")]

    operations = [PostgresOnlySQL(FORWARD, BACKWARD)]
