"""Issue an Open311 api_key: `open311_key --name demo --print`, or `--demo` for the demo district's fixed key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.core.errors import DomainError
from gongzhi.open311.actions import DEMO_KEY, DEMO_NAME, client_create, client_rotate
from gongzhi.open311.models import Open311Client


class Command(BaseCommand):
    help = "Create an Open311 client and print its api_key (shown once; --rotate issues a new one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help="client name (letters, digits, . _ -)")
        parser.add_argument(
            "--demo", action="store_true", help=f"the demo client '{DEMO_NAME}' with the fixed key {DEMO_KEY}"
        )
        parser.add_argument("--rotate", action="store_true", help="replace the key of an existing client")
        parser.add_argument("--print", dest="print_key", action="store_true", help="print only the key")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"] or (DEMO_NAME if options["demo"] else None)
        if not name:
            raise CommandError("give --name NAME (or --demo)")
        key = DEMO_KEY if options["demo"] else None
        try:
            issued = client_create(actor=None, name=name, key=key)
            if options["rotate"] and not issued.created:
                issued = client_rotate(actor=None, client=issued.client, key=key)
            elif options["demo"] and not issued.created:
                # The demo key is public by design; make sure the demo client still answers to it.
                if issued.client.key_digest != Open311Client.digest_of(DEMO_KEY):
                    issued = client_rotate(actor=None, client=issued.client, key=DEMO_KEY)
                else:
                    issued.raw = DEMO_KEY
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        if issued.raw is None:
            raise CommandError(
                f"client '{name}' exists (key {issued.client.key_prefix}…); its key is shown only once — "
                "use --rotate for a new one"
            )
        if options["print_key"]:
            self.stdout.write(issued.raw)
        else:
            verb = "created" if issued.created else "key for"
            self.stdout.write(f"{verb} Open311 client '{name}': api_key={issued.raw}")
