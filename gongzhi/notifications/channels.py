"""Delivery channels. Each takes one OutboxMessage and either returns (delivered) or raises.

`Undeliverable` means retrying cannot help (no e-mail address on file); any other exception is retried with
backoff. Channels are chosen by settings.NOTIFICATION_CHANNELS (name → dotted class path), so a deployment plugs in
its SMS gateway or WeChat template-message sender without touching the code that notifies.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from gongzhi.core import pii
from gongzhi.notifications.models import InboxMessage, OutboxMessage

logger = logging.getLogger("gongzhi.notifications")

DEFAULT_CHANNELS = {
    "inbox": "gongzhi.notifications.channels.InboxChannel",
    "email": "gongzhi.notifications.channels.EmailChannel",
    "sms": "gongzhi.notifications.channels.LoggingSmsChannel",
    "wechat": "gongzhi.notifications.channels.LoggingWeChatChannel",
}


class Undeliverable(Exception):
    """Retrying will not help; the message is marked failed at once."""


class BaseChannel:
    name = ""

    def send(self, message: OutboxMessage) -> None:
        raise NotImplementedError


class InboxChannel(BaseChannel):
    name = "inbox"

    def send(self, message: OutboxMessage) -> None:
        # The unique delivery key makes a repeated delivery (a worker that died after writing) a no-op.
        if InboxMessage.objects.filter(delivery_key=message.delivery_key).exists():
            return
        try:
            with transaction.atomic():
                InboxMessage.objects.create(
                    user_id=message.user_id,
                    kind=message.kind,
                    title=message.title,
                    body=message.body,
                    link=message.link,
                    data=message.data,
                    delivery_key=message.delivery_key,
                    created_at=message.created_at,
                )
        except IntegrityError:
            if not InboxMessage.objects.filter(delivery_key=message.delivery_key).exists():
                raise


class EmailChannel(BaseChannel):
    """Django's configured e-mail backend (settings.EMAIL_BACKEND)."""

    name = "email"

    def send(self, message: OutboxMessage) -> None:
        address = (message.user.email or "").strip()
        if not address:
            raise Undeliverable("recipient has no e-mail address")
        body = message.body + (f"\n\n{message.link}" if message.link else "")
        email = EmailMessage(
            subject=message.title,
            body=body,
            to=[address],
            # Lets a receiving system drop a repeat of an at-least-once delivery.
            headers={"X-Gongzhi-Delivery-Key": message.delivery_key},
        )
        email.send(fail_silently=False)


class SmsChannel(BaseChannel):
    """Adapter interface for an SMS gateway: subclass and implement `send_sms`."""

    name = "sms"

    def send(self, message: OutboxMessage) -> None:
        phone = pii.decrypt(message.user.phone_encrypted) if message.user.phone_encrypted else ""
        if not phone:
            raise Undeliverable("recipient has no phone number")
        text = message.title if not message.body else f"{message.title}：{message.body}"
        self.send_sms(phone=phone, text=text, delivery_key=message.delivery_key)

    def send_sms(self, *, phone: str, text: str, delivery_key: str) -> None:
        raise NotImplementedError


class LoggingSmsChannel(SmsChannel):
    """Writes the SMS to the log instead of a gateway (development, and deployments without one)."""

    def send_sms(self, *, phone: str, text: str, delivery_key: str) -> None:
        logger.info("sms to %s [%s]: %s", pii.mask_phone(phone), delivery_key, text)


class WeChatChannel(BaseChannel):
    """Adapter interface for WeChat template messages: subclass and implement `send_wechat`."""

    name = "wechat"

    def send(self, message: OutboxMessage) -> None:
        self.send_wechat(
            user_id=message.user_id,
            title=message.title,
            body=message.body,
            link=message.link,
            data=message.data,
            delivery_key=message.delivery_key,
        )

    def send_wechat(self, **fields: Any) -> None:
        raise NotImplementedError


class LoggingWeChatChannel(WeChatChannel):
    def send_wechat(self, **fields: Any) -> None:
        logger.info("wechat to user %s [%s]: %s", fields["user_id"], fields["delivery_key"], fields["title"])


def channel_names() -> set[str]:
    return set(_configured())


def _configured() -> dict[str, str]:
    return {**DEFAULT_CHANNELS, **getattr(settings, "NOTIFICATION_CHANNELS", {})}


def get_channel(name: str) -> BaseChannel:
    path = _configured().get(name)
    if path is None:
        raise Undeliverable(f"no channel named {name!r}")
    channel: BaseChannel = import_string(path)()
    return channel
