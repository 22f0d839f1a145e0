"""A real SMTP server on loopback (aiosmtpd) that keeps every message it receives."""
from __future__ import annotations

import email
import socket
import threading
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    """aiosmtpd handler: parse and keep each message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpSink:
    """Start and stop a loopback SMTP server on a fixed port; read what arrived."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._collector = _Collector()
        self._controller: Controller | None = None

    def start(self) -> "SmtpSink":
        """Listen on 127.0.0.1:port."""
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening (connections are then refused)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        """Messages received so far."""
        with self._collector.lock:
            return list(self._collector.messages)

    def config(self) -> dict:
        """App settings that send to this server."""
        return {
            "SMTP_HOST": "127.0.0.1", "SMTP_PORT": self.port, "SMTP_SECURITY": "none",
            "SMTP_USERNAME": None, "SMTP_PASSWORD": None, "SMTP_FROM": "骨干教师系统 <noreply@sanji.example.cn>",
            "SMTP_TIMEOUT": 5,
        }
