"""rotate_pii_key: every encrypted value and lookup hash under the new key, in batches, resumable after a crash,
found by every lookup throughout, one run at a time."""

import datetime as dt
import io
import threading

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connections

from gongzhi.accounts.actions import registration_submit
from gongzhi.accounts.models import Registration, User
from gongzhi.core import clock, pii, pii_rotation
from gongzhi.core.errors import Conflict
from gongzhi.core.models import PiiKeyRotation
from gongzhi.core.pii_rotation import RotationError
from gongzhi.people.actions import resident_upsert
from gongzhi.people.models import Resident
from gongzhi.people.selectors import resident_search
from tests import factories
from tests.appeals.conftest import categories, duty, submit  # noqa: F401 - fixtures
from tests.concurrency import postgres_only
from tests.conftest import COMMUNITY_A

OLD = "dev-only-pii-key-change-me"
NEW = "new-pii-key-Zx8Qw3Er5Ty7Ui9Op1As2Df4"
PASSWORD = factories.PASSWORD


@pytest.fixture
def stored(district, areas, household_a, submit):  # noqa: F811
    """Rows of every kind under the old key: residents, a user with a phone, registrations, an appeal."""
    residents = [
        factories.ResidentFactory(household=household_a, name=f"居民{i}", phone=f"1380000{i:04d}") for i in range(23)
    ]
    user = factories.UserFactory(username="phoneuser")
    user.phone_encrypted, user.phone_hash = pii.encrypt("13911112222"), pii.lookup_hash("13911112222")
    user.save()
    registration = registration_submit(
        username="newcomer",
        password="long-enough-1",
        full_name="新居民",
        id_number=factories.make_id_number(seq=901),
        phone="13911113333",
        address="1号楼",
        community=areas[COMMUNITY_A],
    )
    # From before registrations kept the number: only the hash, which the rotation recovers from the resident.
    legacy = Registration.objects.create(
        user=factories.UserFactory(username="legacy"),
        full_name="老申请",
        id_number_hash=residents[5].id_number_hash,
        address="2号楼",
        community=areas[COMMUNITY_A],
    )
    lost = Registration.objects.create(
        user=factories.UserFactory(username="lost"),
        full_name="无从恢复",
        id_number_hash=pii.lookup_hash(factories.make_id_number(seq=902)),
        address="3号楼",
        community=areas[COMMUNITY_A],
    )
    appeal = submit(contact_name="李四", contact_phone="13922223333")
    return {"residents": residents, "user": user, "registration": registration, "legacy": legacy, "lost": lost,
            "appeal": appeal}  # fmt: skip


@pytest.fixture
def rotating(settings):
    """Every process now runs with the new key, reading the old one."""
    settings.PII_KEY, settings.PII_KEY_PREVIOUS = NEW, OLD
    return settings


def all_rows_under_the_new_key_alone(settings) -> int:
    settings.PII_KEY, settings.PII_KEY_PREVIOUS = NEW, ""
    checked = 0
    for group in pii_rotation.field_groups():
        for row in group.model._base_manager.values("pk", *group.columns):
            for base in group.bases:
                token = row[base + "_encrypted"]
                value = pii.decrypt(token)  # raises if any value is still under the old key
                if base in group.hashed and value:
                    assert row[base + "_hash"] == pii.lookup_hash(value), (group.label, row["pk"], base)
                checked += bool(token)
    return checked


def lookups_find_everyone(stored, district) -> None:
    """The lookups the platform serves, whether a row has been rotated yet or not."""
    street = district["street_staff"]
    for resident in Resident.objects.filter(pk__in=[r.pk for r in stored["residents"]]):
        found = resident_search(user=street, query=resident.id_number_plain)
        assert list(found.values_list("pk", flat=True)) == [resident.pk]
        assert list(resident_search(user=street, query=resident.phone_plain).values_list("pk", flat=True)) == [
            resident.pk
        ]
    assert authenticate(None, username="13911112222", password=PASSWORD) == stored["user"]
    reg = Registration.objects.get(pk=stored["registration"].pk)
    with pytest.raises(Conflict):  # the same ID number again is still seen as already registered
        registration_submit(username="again", password="long-enough-1", full_name="新居民",
                            id_number=pii.decrypt(reg.id_number_encrypted), phone="", address="x",
                            community=reg.community)  # fmt: skip
    first = Resident.objects.get(pk=stored["residents"][0].pk)
    resident, outcome = resident_upsert(
        actor=district["community_worker_a"],
        household=first.household,
        name=first.name,
        id_number=first.id_number_plain,
        phone=first.phone_plain,
    )
    assert resident.pk == first.pk and outcome == "unchanged"  # matched, not a second resident


def test_an_interrupted_rotation_resumes_and_lookups_work_throughout(stored, district, rotating, monkeypatch):
    calls = {"n": 0}
    real = pii_rotation._write

    def crash_on_the_fourth_batch(group, changes):
        calls["n"] += 1
        if calls["n"] == 4:
            real(group, changes)  # half-written in its transaction, then the process dies
            raise RuntimeError("power cut")
        real(group, changes)

    monkeypatch.setattr(pii_rotation, "_write", crash_on_the_fourth_batch)
    with pytest.raises(RuntimeError, match="power cut"):
        pii_rotation.rotate(batch_size=5)
    state = PiiKeyRotation.objects.get()
    assert state.finished_at is None and state.owner == ""  # released for the resume
    assert state.rows_rewritten > 0
    under_new = sum(pii.is_current(t) for t in Resident.objects.values_list("id_number_encrypted", flat=True))
    assert 0 < under_new < len(stored["residents"]) or state.progress.get("people.Resident") is None
    lookups_find_everyone(stored, district)

    monkeypatch.setattr(pii_rotation, "_write", real)
    out = io.StringIO()
    call_command("rotate_pii_key", "--batch-size", "5", "--no-progress", stdout=out)
    assert "rotation to key" in out.getvalue() and "complete" in out.getvalue()
    assert "accounts.Registration: 1 rows hold only a hash" in out.getvalue()
    lookups_find_everyone(stored, district)
    state.refresh_from_db()
    assert state.finished_at is not None and pii_rotation.unrecovered(state) == {
        "accounts.Registration": [stored["lost"].pk]
    }
    legacy = Registration.objects.get(pk=stored["legacy"].pk)
    assert pii.decrypt(legacy.id_number_encrypted) == Resident.objects.get(pk=stored["residents"][5].pk).id_number_plain
    appeal = type(stored["appeal"]).objects.get(pk=stored["appeal"].pk)
    assert pii.is_current(appeal.phone_encrypted) and pii.is_current(appeal.contact_name_encrypted)
    assert all_rows_under_the_new_key_alone(rotating) >= 23 * 2 + 4
    lookups_find_everyone(stored, district)  # and after PII_KEY_PREVIOUS is gone


def test_a_finished_rotation_run_again_changes_nothing(stored, rotating):
    first = pii_rotation.rotate()
    tokens = list(Resident.objects.order_by("pk").values_list("id_number_encrypted", flat=True))
    again = pii_rotation.rotate()
    assert again.pk == first.pk and again.rows_rewritten == first.rows_rewritten
    assert list(Resident.objects.order_by("pk").values_list("id_number_encrypted", flat=True)) == tokens


def test_a_second_run_is_refused_while_the_first_is_alive(stored, rotating):
    PiiKeyRotation.objects.create(
        key_id=pii.key_id(NEW), previous_key_id=pii.key_id(OLD), owner="web-1:4242:abcd", heartbeat_at=clock.now()
    )
    tokens = list(Resident.objects.order_by("pk").values_list("id_number_encrypted", flat=True))
    with pytest.raises(CommandError, match=r"another rotation is running \(web-1:4242:abcd"):
        call_command("rotate_pii_key", "--no-progress", stdout=io.StringIO())
    assert list(Resident.objects.order_by("pk").values_list("id_number_encrypted", flat=True)) == tokens
    assert PiiKeyRotation.objects.get().owner == "web-1:4242:abcd"
    # Once the process is known gone, --take-over resumes at once; a stale heartbeat needs no flag.
    assert pii_rotation.rotate(take_over=True).finished_at is not None


def test_a_run_whose_heartbeat_is_stale_is_resumed(stored, rotating):
    PiiKeyRotation.objects.create(
        key_id=pii.key_id(NEW),
        previous_key_id=pii.key_id(OLD),
        owner="gone:1:dead",
        heartbeat_at=clock.now() - dt.timedelta(seconds=pii_rotation.LEASE_SECONDS + 1),
    )
    assert pii_rotation.rotate().finished_at is not None


def test_without_a_previous_key_there_is_nothing_to_rotate(stored):
    with pytest.raises(CommandError, match="set PII_KEY to the new key and PII_KEY_PREVIOUS to the old one"):
        call_command("rotate_pii_key", "--no-progress", stdout=io.StringIO())
    assert not PiiKeyRotation.objects.exists()


def test_a_value_under_neither_key_stops_the_run_and_names_the_row(stored, rotating):
    resident = stored["residents"][0]
    Resident.objects.filter(pk=resident.pk).update(phone_encrypted=pii._fernet("a third key").encrypt(b"1").decode())
    with pytest.raises(RotationError, match=f"people.Resident #{resident.pk} phone decrypts under neither"):
        pii_rotation.rotate()
    assert PiiKeyRotation.objects.get().finished_at is None


def test_a_changed_previous_key_mid_rotation_is_refused(stored, rotating):
    PiiKeyRotation.objects.create(key_id=pii.key_id(NEW), previous_key_id=pii.key_id("some other key"))
    with pytest.raises(RotationError, match="started from key"):
        pii_rotation.rotate()


def test_status_reports_the_progress(stored, rotating):
    out = io.StringIO()
    call_command("rotate_pii_key", "--status", stdout=out)
    assert "No rotation" in out.getvalue()
    pii_rotation.rotate()
    out = io.StringIO()
    call_command("rotate_pii_key", "--status", stdout=out)
    assert "finished" in out.getvalue() and "people.Resident: done" in out.getvalue()


def test_every_encrypted_field_is_found():
    groups = {g.label: (g.bases, g.hashed) for g in pii_rotation.field_groups()}
    pairs = (("id_number", "phone"), ("id_number", "phone"))
    assert groups == {
        "accounts.Registration": (("id_number",), ("id_number",)),
        "accounts.User": (("phone",), ("phone",)),
        "accounts.TotpDevice": (("secret",), ()),  # the authenticator key: encrypted, never looked up
        "appeals.Appeal": (("contact_name", "id_number", "phone"), ("id_number", "phone")),
        "inspections.Place": pairs,  # a place's contact follows the residents' rules
        "people.Department": pairs,
        "people.Partner": pairs,
        "people.PartyMember": pairs,
        "people.Resident": pairs,
    }
    # And no lookup hash without its encrypted value, which no rotation could recompute.
    from django.apps import apps

    hashes = {
        (m._meta.label, f.attname)
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if f.attname.endswith("_hash")
    }
    assert {h for h in hashes if h[1].removesuffix("_hash") not in groups.get(h[0], ((), ()))[1]} == set()


def test_reads_accept_both_keys_and_writes_use_the_new_one(settings):
    settings.PII_KEY, settings.PII_KEY_PREVIOUS = OLD, ""
    old_token, old_hash = pii.encrypt("13812345678"), pii.lookup_hash("13812345678")
    settings.PII_KEY, settings.PII_KEY_PREVIOUS = NEW, OLD
    assert pii.decrypt(old_token) == "13812345678" and not pii.is_current(old_token)
    assert pii.is_current(pii.encrypt("x")) and pii.lookup_hashes("13812345678")[1] == old_hash
    assert pii.hash_matches(old_hash, "13812345678") and pii.hash_matches(pii.lookup_hash("13812345678"), "13812345678")
    settings.PII_KEY_PREVIOUS = ""
    with pytest.raises(Exception, match=r"InvalidToken|^$"):
        pii.decrypt(old_token)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_rotations_at_once_on_postgres_one_is_refused(district, household_a, rotating, monkeypatch):
    for i in range(12):
        factories.ResidentFactory(household=household_a, name=f"居民{i}")
    rotating.PII_KEY, rotating.PII_KEY_PREVIOUS = OLD, ""
    Resident.objects.update()  # nothing: the residents above are under the old key (the default)
    rotating.PII_KEY, rotating.PII_KEY_PREVIOUS = NEW, OLD
    inside, release = threading.Event(), threading.Event()
    real = pii_rotation._write

    def hold_the_batch(group, changes):
        real(group, changes)
        if group.label == "people.Resident":
            inside.set()
            release.wait(30)

    monkeypatch.setattr(pii_rotation, "_write", hold_the_batch)
    result = {}

    def first():
        try:
            result["first"] = pii_rotation.rotate(batch_size=5)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(30)
    # The first run holds its record's row lock inside a batch: the second is refused at once, changing nothing.
    with pytest.raises(CommandError, match="another rotation is running"):
        call_command("rotate_pii_key", "--no-progress", stdout=io.StringIO())
    release.set()
    thread.join(60)
    assert result["first"].finished_at is not None
    assert all(pii.is_current(t) for t in Resident.objects.values_list("id_number_encrypted", flat=True))
    assert User.objects.exists()
