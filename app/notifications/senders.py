"""Pluggable senders, one per channel: log (development), SMTP email, SMS gateway and WeChat template stubs."""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from collections.abc import Mapping
from email.message import EmailMessage
from importlib import import_module
from typing import Any, Protocol

from app.core.masking import mask_address
from app.notifications.models import OutboxMessage

logger = logging.getLogger("diandan.notifications")


class NotConfigured(Exception):
    """The channel has no configuration here; retrying will not help until someone configures it."""


class PermanentFailure(Exception):
    """The provider refused the message for good (bad address and the like); do not retry."""


class Sender(Protocol):
    """Delivers one message on one channel; raises on failure (NotConfigured and PermanentFailure are final)."""

    channel: str

    def send(self, message: OutboxMessage) -> None: ...


class LogSender:
    """Writes the message to the log: the development default."""

    channel = "log"

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def send(self, message: OutboxMessage) -> None:
        # Never the name, the text or the full address: logs are kept and read far more widely than the outbox.
        logger.info("notify #%s %s to %s", message.id, message.kind, mask_address(message.address))


class SmtpSender:
    """Email through an SMTP server named in config (SMTP_*)."""

    channel = "email"

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def send(self, message: OutboxMessage) -> None:
        config = self.config
        if not config.get("SMTP_HOST"):
            raise NotConfigured("SMTP_HOST is not set")
        email = EmailMessage()
        email["From"] = config["SMTP_FROM"]
        email["To"] = message.address
        email["Subject"] = message.subject
        # Lets a mail server drop a duplicate of a message it already accepted.
        email["Message-ID"] = f"<{message.dedupe_key.replace(':', '.')}@{config['SMTP_FROM'].split('@')[-1]}>"
        email.set_content(message.body)
        client_cls = smtplib.SMTP_SSL if config.get("SMTP_SSL") else smtplib.SMTP
        with client_cls(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT_S"]) as client:
            if config.get("SMTP_STARTTLS") and not config.get("SMTP_SSL"):
                client.starttls()
            if config.get("SMTP_USERNAME"):
                client.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            try:
                client.send_message(email)
            except smtplib.SMTPRecipientsRefused as error:
                raise PermanentFailure("recipient refused") from error


def _post_json(url: str, payload: dict, *, token: str, timeout: float) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (URL comes from config)
        body = response.read()
    return json.loads(body) if body else {}


class SmsGatewaySender:
    """SMS through an HTTP gateway (SMS_GATEWAY_URL, SMS_GATEWAY_TOKEN); a stub until those are set."""

    channel = "sms"

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def send(self, message: OutboxMessage) -> None:
        if not self.config.get("SMS_GATEWAY_URL"):
            raise NotConfigured("SMS_GATEWAY_URL is not set")
        reply = _post_json(
            self.config["SMS_GATEWAY_URL"],
            {"to": message.address, "text": f"{message.subject}：{message.body}", "ref": message.dedupe_key},
            token=self.config.get("SMS_GATEWAY_TOKEN", ""),
            timeout=self.config.get("SMTP_TIMEOUT_S", 10.0),
        )
        if reply.get("error"):
            raise RuntimeError(f"SMS gateway: {reply['error']}")


class WeChatTemplateSender:
    """WeChat template messages (WECHAT_TEMPLATE_URL, WECHAT_ACCESS_TOKEN, WECHAT_TEMPLATE_ID); a stub until set."""

    channel = "wechat"

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def send(self, message: OutboxMessage) -> None:
        config = self.config
        if not (config.get("WECHAT_TEMPLATE_URL") and config.get("WECHAT_TEMPLATE_ID")):
            raise NotConfigured("WECHAT_TEMPLATE_URL and WECHAT_TEMPLATE_ID are not set")
        reply = _post_json(
            config["WECHAT_TEMPLATE_URL"],
            {
                "touser": message.address,
                "template_id": config["WECHAT_TEMPLATE_ID"],
                "data": {"first": {"value": message.subject}, "remark": {"value": message.body}},
            },
            token=config.get("WECHAT_ACCESS_TOKEN", ""),
            timeout=config.get("SMTP_TIMEOUT_S", 10.0),
        )
        if reply.get("errcode"):
            raise RuntimeError(f"WeChat: {reply.get('errcode')} {reply.get('errmsg', '')}")


DEFAULT_SENDERS: dict[str, type] = {
    "log": LogSender,
    "email": SmtpSender,
    "sms": SmsGatewaySender,
    "wechat": WeChatTemplateSender,
}


def sender_for(channel: str, config: Mapping[str, Any]) -> Sender:
    """The sender for a channel: config NOTIFY_SENDERS ("module:Class") wins over the built-in ones."""
    path = (config.get("NOTIFY_SENDERS") or {}).get(channel)
    if path:
        module_name, _, class_name = path.partition(":")
        cls = getattr(import_module(module_name), class_name)
    else:
        cls = DEFAULT_SENDERS.get(channel)
        if cls is None:
            raise NotConfigured(f"no sender for channel {channel}")
    return cls(config)
