"""A small HTTP and WebSocket client with full control over the bytes sent.

The probes send malformed bodies, broken multipart and forged headers that
friendlier clients refuse to produce, so this speaks HTTP/1.1 through
`http.client` and RFC 6455 over a plain socket.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import socket
import struct
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

TIMEOUT = 30.0


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]  # names lowercased, in the order received
    body: bytes

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k == name.lower()]
        return ", ".join(values) if values else None

    def cookies(self) -> dict[str, dict[str, str]]:
        """Set-Cookie headers: name -> {"value": ..., attribute: value}."""
        found: dict[str, dict[str, str]] = {}
        for key, value in self.headers:
            if key != "set-cookie":
                continue
            first, *attributes = [part.strip() for part in value.split(";")]
            name, _, text = first.partition("=")
            cookie = {"value": text.strip('"')}
            for attribute in attributes:
                attr, _, attr_value = attribute.partition("=")
                cookie[attr.lower()] = attr_value
            found[name] = cookie
        return found

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Multipart:
    """A multipart/form-data body built part by part (names may repeat)."""

    parts: list[tuple[str, bytes, str | None, str | None]] = field(default_factory=list)
    boundary: str = "mizan-conformance-boundary"

    def add(
        self,
        name: str,
        data: bytes | str,
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> Multipart:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        self.parts.append((name, raw, filename, content_type))
        return self

    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def encode(self) -> bytes:
        out = bytearray()
        for name, data, filename, content_type in self.parts:
            out += f"--{self.boundary}\r\n".encode()
            disposition = f'Content-Disposition: form-data; name="{name}"'
            if filename is not None:
                disposition += f'; filename="{filename}"'
            out += disposition.encode() + b"\r\n"
            if content_type is not None:
                out += f"Content-Type: {content_type}\r\n".encode()
            out += b"\r\n" + data + b"\r\n"
        out += f"--{self.boundary}--\r\n".encode()
        return bytes(out)


class Http:
    """Requests to one server; a new connection each (no shared state)."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.base_path = parts.path.rstrip("/") + "/"

    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str | list[str]] | None = None,
    ) -> Response:
        """A header whose value is a list is sent as that many header lines."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            headers = headers or {}
            if any(isinstance(value, list) for value in headers.values()):
                connection.putrequest(method, self.base_path + path)
                for name, value in headers.items():
                    for line in value if isinstance(value, list) else [value]:
                        connection.putheader(name, line)
                if body is not None:
                    connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body)
            else:
                connection.request(method, self.base_path + path, body=body,
                                   headers=headers)  # type: ignore[arg-type]
            answer = connection.getresponse()
            data = answer.read()
            pairs = [(k.lower(), v) for k, v in answer.getheaders()]
            return Response(answer.status, pairs, data)
        finally:
            connection.close()


class WebSocketClosed(Exception):
    def __init__(self, code: int | None) -> None:
        super().__init__(f"closed with {code}")
        self.code = code


class WebSocket:
    """A client end of RFC 6455: text frames in, text frames out."""

    def __init__(self, base_url: str, path: str, headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(base_url)
        self.sock = socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 80), timeout=TIMEOUT
        )
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {parts.path.rstrip('/')}/{path} HTTP/1.1",
            f"Host: {parts.hostname}:{parts.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        self.status = int(head.split(" ", 2)[1])
        accept = base64.b64encode(
            hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
        ).decode()
        self.accepted = self.status == 101 and accept in head

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise WebSocketClosed(None)
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(marker)
        return head

    def _read_exact(self, count: int) -> bytes:
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise WebSocketClosed(None)
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def send_text(self, text: str | bytes) -> None:
        payload = text.encode("utf-8") if isinstance(text, str) else text
        mask = os.urandom(4)
        head = bytes([0x81])
        size = len(payload)
        if size < 126:
            head += bytes([0x80 | size])
        elif size < 65536:
            head += bytes([0x80 | 126]) + struct.pack(">H", size)
        else:
            head += bytes([0x80 | 127]) + struct.pack(">Q", size)
        self.sock.sendall(head + mask + _masked(payload, mask))

    def send_json(self, value: Any) -> None:
        self.send_text(json.dumps(value))

    def receive(self) -> bytes:
        """The next text message's bytes; WebSocketClosed on a close frame."""
        while True:
            first, second = self._read_exact(2)
            opcode, size = first & 0x0F, second & 0x7F
            if size == 126:
                size = struct.unpack(">H", self._read_exact(2))[0]
            elif size == 127:
                size = struct.unpack(">Q", self._read_exact(8))[0]
            payload = self._read_exact(size)
            if opcode == 0x8:
                code = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                raise WebSocketClosed(code)
            if opcode == 0x9:  # ping: answer, keep reading
                self._control(0xA, payload)
                continue
            if opcode == 0x1:
                return payload

    def _control(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask
                          + _masked(payload, mask))

    def close(self) -> None:
        try:
            self._control(0x8, struct.pack(">H", 1000))
        except OSError:
            pass
        self.sock.close()


def _masked(payload: bytes, mask: bytes) -> bytes:
    """RFC 6455 masking, as one big-integer XOR (fast for 10 MB frames)."""
    if not payload:
        return b""
    key = (mask * (len(payload) // 4 + 1))[: len(payload)]
    value = int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")
    return value.to_bytes(len(payload), "big")
