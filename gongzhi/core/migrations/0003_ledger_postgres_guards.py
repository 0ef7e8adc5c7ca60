"""PostgreSQL-only guards for the ledger, the last line behind gongzhi.core.ledger:

- postings and transactions refuse UPDATE and DELETE (TRUNCATE stays possible for test flushes and resets);
- a posting's balance_after must follow from the account's previous posting;
- an account's balance may change only to its latest posting's balance_after, and starts at 0;
- at commit, every transaction has at least two postings summing to zero (deferred constraint triggers).

SQLite gets none of these (its test flushes delete rows); the ORM's append-only base class and the API guard it.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION core_ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER core_posting_append_only BEFORE UPDATE OR DELETE ON core_posting
    FOR EACH ROW EXECUTE FUNCTION core_ledger_refuse_change();
CREATE TRIGGER core_ledgertransaction_append_only BEFORE UPDATE OR DELETE ON core_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION core_ledger_refuse_change();

CREATE OR REPLACE FUNCTION core_posting_check_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE previous bigint;
BEGIN
    SELECT balance_after INTO previous FROM core_posting
        WHERE account_id = NEW.account_id AND id < NEW.id ORDER BY id DESC LIMIT 1;
    IF NEW.balance_after IS DISTINCT FROM COALESCE(previous, 0) + NEW.amount THEN
        RAISE EXCEPTION 'posting balance_after % does not follow the previous balance % plus %',
            NEW.balance_after, COALESCE(previous, 0), NEW.amount USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER core_posting_chain BEFORE INSERT ON core_posting
    FOR EACH ROW EXECUTE FUNCTION core_posting_check_chain();

CREATE OR REPLACE FUNCTION core_ledgeraccount_check_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE latest bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.balance <> 0 THEN
            RAISE EXCEPTION 'a ledger account opens with balance 0, not %', NEW.balance
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.balance IS DISTINCT FROM OLD.balance THEN
        SELECT balance_after INTO latest FROM core_posting
            WHERE account_id = NEW.id ORDER BY id DESC LIMIT 1;
        IF NEW.balance IS DISTINCT FROM COALESCE(latest, 0) THEN
            RAISE EXCEPTION 'account % balance % differs from its latest posting %', NEW.code, NEW.balance, latest
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER core_ledgeraccount_balance BEFORE INSERT OR UPDATE ON core_ledgeraccount
    FOR EACH ROW EXECUTE FUNCTION core_ledgeraccount_check_balance();

CREATE OR REPLACE FUNCTION core_ledgertransaction_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE txn bigint; n integer; total numeric; units integer;
BEGIN
    IF TG_TABLE_NAME = 'core_posting' THEN txn := NEW.transaction_id; ELSE txn := NEW.id; END IF;
    SELECT count(*), COALESCE(sum(p.amount), 0), count(DISTINCT a.unit) INTO n, total, units
        FROM core_posting p JOIN core_ledgeraccount a ON a.id = p.account_id WHERE p.transaction_id = txn;
    IF n < 2 OR total <> 0 OR units <> 1 THEN
        RAISE EXCEPTION 'ledger transaction % is not balanced: % postings, sum %, % units', txn, n, total, units
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER core_ledgertransaction_balanced AFTER INSERT ON core_ledgertransaction
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core_ledgertransaction_check_balanced();
CREATE CONSTRAINT TRIGGER core_posting_balanced AFTER INSERT ON core_posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION core_ledgertransaction_check_balanced();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS core_posting_balanced ON core_posting;
DROP TRIGGER IF EXISTS core_ledgertransaction_balanced ON core_ledgertransaction;
DROP FUNCTION IF EXISTS core_ledgertransaction_check_balanced();
DROP TRIGGER IF EXISTS core_ledgeraccount_balance ON core_ledgeraccount;
DROP FUNCTION IF EXISTS core_ledgeraccount_check_balance();
DROP TRIGGER IF EXISTS core_posting_chain ON core_posting;
DROP FUNCTION IF EXISTS core_posting_check_chain();
DROP TRIGGER IF EXISTS core_ledgertransaction_append_only ON core_ledgertransaction;
DROP TRIGGER IF EXISTS core_posting_append_only ON core_posting;
DROP FUNCTION IF EXISTS core_ledger_refuse_change();
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
    dependencies = [("core", "0002_ledger")]

    operations = [PostgresOnlySQL(FORWARD, BACKWARD)]
