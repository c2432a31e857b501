"""The email channel: one message per digest over SMTP (HUBBUB_SMTP_URL), sent on a runtime thread.

HUBBUB_SMTP_URL is smtp://[user:password@]host[:port] (plain, STARTTLS when the server offers
it) or smtps://… (TLS from the start); `?from=` sets the sender (default hubbub@localhost).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import DeliveryFailed, Offload

TIMEOUT_S = 10.0


class EmailChannel:
    name = "email"

    def __init__(self, smtp_url: str, in_thread: Offload):
        self.in_thread = in_thread
        parts = urlsplit(smtp_url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("HUBBUB_SMTP_URL must be smtp://host[:port] or smtps://host[:port]")
        self.tls, self.host = parts.scheme == "smtps", parts.hostname
        self.port = parts.port or (465 if self.tls else 25)
        self.login = (unquote(parts.username), unquote(parts.password or "")) if parts.username else None
        self.sender = parse_qs(parts.query).get("from", ["hubbub@localhost"])[0]

    async def send(self, job: dict[str, Any], config: dict[str, Any]) -> None:
        await self.in_thread(self._send, _message(job, self.sender, config["address"]))

    def _send(self, message: EmailMessage) -> None:
        connect = smtplib.SMTP_SSL if self.tls else smtplib.SMTP
        try:
            with connect(self.host, self.port, timeout=TIMEOUT_S) as smtp:
                if not self.tls and smtp.has_extn("starttls"):
                    smtp.starttls()
                if self.login:
                    smtp.login(*self.login)
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryFailed(f"recipient refused: {error}", permanent=True) from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from None


def _message(job: dict[str, Any], sender: str, address: str) -> EmailMessage:
    items = job["items"]
    message = EmailMessage()
    message["From"], message["To"] = sender, address
    message["Subject"] = f"{len(items)} new notification{'s' if len(items) != 1 else ''}"
    message["Message-ID"] = f"<{job['delivery_id']}@hubbub>"  # the same on a retry: mail clients merge them
    lines = [f"- {i.get('title') or i.get('kind')}: {i.get('preview') or ''}" for i in items]
    message.set_content("\n".join(lines) + "\n")
    return message
