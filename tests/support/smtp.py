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
    """Start and stop a loopback SMTP server on a fixed port; read what arrived.

    `controller_options` pass TLS and authentication settings to aiosmtpd's Controller.
    """

    def __init__(self, port: int | None = None, **controller_options) -> None:
        self.port = port or free_port()
        self._collector = _Collector()
        self._controller: Controller | None = None
        self._options = controller_options

    def start(self) -> "SmtpSink":
        """Listen on 127.0.0.1:port."""
        self._controller = Controller(self._collector, hostname="127.0.0.1", port=self.port, **self._options)
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


def make_certificates(directory) -> tuple[str, str, str]:
    """A private CA and a certificate for localhost signed by it (openssl CLI): (ca, cert, key) paths."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        raise FileNotFoundError("openssl")
    d = str(directory)
    commands = [
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Test CA",
         "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.pem"],
        ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
         "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr"],
        ["openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.pem", "-CAkey", f"{d}/ca.key",
         "-CAcreateserial", "-days", "2", "-out", f"{d}/server.pem", "-extfile", f"{d}/san.cnf"],
    ]
    with open(f"{d}/san.cnf", "w") as handle:
        handle.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    for command in commands:
        subprocess.run(command, check=True, capture_output=True)
    return f"{d}/ca.pem", f"{d}/server.pem", f"{d}/server.key"
