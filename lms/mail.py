"""A small pluggable mail sender: files in instance/outbox (default), SMTP, or memory (tests)."""
from __future__ import annotations

import logging
import secrets
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path

log = logging.getLogger(__name__)


class MailSender:
    def __init__(self, sender: str) -> None:
        self.sender = sender

    def build(self, to: str, subject: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(body)
        return msg

    def send(self, to: str, subject: str, body: str) -> None:
        raise NotImplementedError


class FileMailSender(MailSender):
    """Writes each message as an .eml file; what a first run or a demo wants."""

    def __init__(self, sender: str, outbox: Path) -> None:
        super().__init__(sender)
        self.outbox = outbox

    def send(self, to: str, subject: str, body: str) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
        path = self.outbox / f"{stamp}-{secrets.token_hex(4)}.eml"
        path.write_bytes(bytes(self.build(to, subject, body)))
        log.info("mail to %s (%s) written to %s", to, subject, path)


class SMTPMailSender(MailSender):
    def __init__(self, sender: str, host: str, port: int, user: str | None, password: str | None, tls: bool):
        super().__init__(sender)
        self.host, self.port, self.user, self.password, self.tls = host, port, user, password, tls

    def send(self, to: str, subject: str, body: str) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=30) as smtp:
            if self.tls:
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(self.build(to, subject, body))
        log.info("mail to %s (%s) sent by SMTP", to, subject)


@dataclass
class MemoryMailSender(MailSender):
    sender: str = "test@localhost"
    outbox: list[EmailMessage] = field(default_factory=list)

    def send(self, to: str, subject: str, body: str) -> None:
        self.outbox.append(self.build(to, subject, body))


def make_sender(config, instance_path: str) -> MailSender:
    backend = config["LMS_MAIL_BACKEND"]
    sender = config["LMS_MAIL_FROM"]
    if backend == "smtp":
        return SMTPMailSender(
            sender,
            config["LMS_SMTP_HOST"],
            int(config["LMS_SMTP_PORT"]),
            config["LMS_SMTP_USER"],
            config["LMS_SMTP_PASSWORD"],
            bool(config["LMS_SMTP_TLS"]),
        )
    if backend == "memory":
        return MemoryMailSender(sender)
    if backend == "file":
        return FileMailSender(sender, Path(instance_path) / "outbox")
    raise RuntimeError(f"LMS_MAIL_BACKEND must be file, smtp or memory, not {backend!r}")
