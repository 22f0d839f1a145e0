"""SMTP settings from the configuration, and a connection that is opened once per delivery run."""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send e-mail (SMTP_* environment variables)."""

    host: str
    port: int
    security: str  # starttls | ssl | none
    username: str | None
    password: str | None
    sender: str
    timeout: float
    ca_file: str | None = None  # a private CA the server's certificate is signed by

    @classmethod
    def from_config(cls, config) -> "SmtpSettings | None":
        """The settings, or None when no SMTP host is configured (notifications stay in-app)."""
        host = (config.get("SMTP_HOST") or "").strip()
        if not host:
            return None
        return cls(
            host=host,
            port=int(config["SMTP_PORT"]),
            security=config["SMTP_SECURITY"],
            username=config.get("SMTP_USERNAME") or None,
            password=config.get("SMTP_PASSWORD") or None,
            sender=config["SMTP_FROM"],
            timeout=float(config["SMTP_TIMEOUT"]),
            ca_file=config.get("SMTP_CA_FILE") or None,
        )


class Mailer:
    """Sends messages over one SMTP connection, reconnecting after an error."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        """Send one message; raises smtplib.SMTPException or OSError on failure."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            refused = self._smtp.send_message(message)
        except (smtplib.SMTPException, OSError):
            self.close()
            raise
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)

    def _connect(self) -> smtplib.SMTP:
        """Open a connection as configured (TLS from the start, STARTTLS, or plain) and log in."""
        settings = self.settings
        context = ssl.create_default_context(cafile=settings.ca_file)
        if settings.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                smtp.starttls(context=context)
        try:
            if settings.username:
                smtp.login(settings.username, settings.password or "")
        except (smtplib.SMTPException, OSError):
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        """Say goodbye to the server (ignoring a connection that is already gone)."""
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            self._smtp.close()
        self._smtp = None
