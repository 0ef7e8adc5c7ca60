"""`manage.py totp_code [SECRET]`: the current authenticator code of a secret (the demo logins' by default).

It reads nothing from the database: it computes what an authenticator app would show for the secret given, so it
is an authenticator for a terminal, handy for the demo (README "Demo logins")."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gongzhi.accounts import totp
from gongzhi.core import clock

# gongzhi.people.demo.logins.DEMO_TOTP_SECRET (people sits above accounts, so it is repeated here)
DEMO_SECRET = "GONGZHIDEMOGONGZHIDEMOGONGZHI234"  # noqa: S105 - published with the demo logins


class Command(BaseCommand):
    help = "Print the current TOTP code of a secret (default: the demo logins' secret)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("secret", nargs="?", default=DEMO_SECRET)

    def handle(self, *args: Any, **options: Any) -> None:
        now = clock.now().timestamp()
        try:
            code = totp.code_at(options["secret"], now)
        except ValueError as exc:
            raise CommandError(f"不是有效的 base32 密钥 / not a valid base32 secret: {exc}") from None
        left = totp.STEP_SECONDS - int(now) % totp.STEP_SECONDS
        self.stdout.write(f"{code}  ({left} s left)")
