"""The WebSocket transport (docs/protocol.md 12), framework-neutral.

A web layer accepts the upgrade when `WsSession.open` succeeds, then
passes every text frame to `answer` and sends back what it returns. A
frame over the request limit raises `FrameTooLarge`: close with 1009.
"""

from __future__ import annotations

from typing import Any

from . import core as runtime
from .dispatch import Dispatcher
from .http import JSON, Caller, Request

MizanError = runtime.MizanError
MAX_ID = 2**53 - 1
CLOSE_TOO_LARGE = 1009
# Closing before the upgrade is accepted refuses it (HTTP 403 on ASGI servers).
CLOSE_REFUSED = 1008


class FrameTooLarge(Exception):
    """A frame larger than the request limit: the connection closes (1009)."""


def _valid_id(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return type(value) is int and 0 <= value <= MAX_ID


class WsSession:
    """One connection: its current identity and the frames it sends."""

    def __init__(self, dispatcher: Dispatcher, caller: Caller) -> None:
        self.dispatcher = dispatcher
        self.caller = caller

    @classmethod
    def open(cls, dispatcher: Dispatcher, request: Request) -> WsSession:
        """The session of an upgrade request; MizanError (401) when its
        `Authorization` header does not verify: refuse the upgrade then."""
        header = request.headers.get("authorization")
        claims = None if header is None else dispatcher.auth.verify_bearer(header)
        return cls(dispatcher, Caller(claims, "ws"))

    async def answer(self, frame: str | bytes) -> dict[str, Any]:
        data = frame.encode("utf-8") if isinstance(frame, str) else frame
        if len(data) > self.dispatcher.max_body_size:
            raise FrameTooLarge
        try:
            message = runtime.parse_json(data)
        except runtime.MalformedJson:
            return self._error(None, MizanError("bad_request", {"reason": "json"}))
        if isinstance(message, dict) and "auth" in message and "id" not in message:
            return self._auth(message)
        if not isinstance(message, dict) or not _valid_id(message.get("id")):
            return self._error(None, MizanError("bad_request", {"reason": "shape"}))
        ident = message["id"]
        try:
            return {"id": ident, **await self._call(message)}
        except MizanError as error:
            return self._error(ident, error)

    def _auth(self, message: dict[str, Any]) -> dict[str, Any]:
        token = message["auth"]
        if set(message) != {"auth"} or not isinstance(token, str):
            return self._error(None, MizanError("bad_request", {"reason": "shape"}))
        self.caller = Caller(transport="ws")  # anonymous unless the token verifies
        try:
            self.caller = Caller(self.dispatcher.auth.verify(token, "access"), "ws")
        except MizanError as error:
            return {"auth": False, "error": error.body()["error"]}
        return {"auth": True}

    async def _call(self, message: dict[str, Any]) -> dict[str, Any]:
        fn_name = message.get("fn")
        args = message.get("args", {})
        if (
            set(message) - {"id", "fn", "args"}
            or not isinstance(fn_name, str)
            or not isinstance(args, dict)
        ):
            raise MizanError("bad_request", {"reason": "shape"})
        fn = self.dispatcher.functions.get(fn_name)
        if fn is None or not fn["websocket"]:
            raise MizanError("not_found", {"fn": fn_name})
        if fn["multipart"]:  # Upload params never travel on the WebSocket
            raise MizanError("unsupported_media_type", {"content_type": JSON})
        caller = self.dispatcher.auth.still_valid(self.caller)
        answer = await self.dispatcher.call(fn_name, args, caller)
        return dict(answer.body)

    @staticmethod
    def _error(ident: Any, error: MizanError) -> dict[str, Any]:
        return {"id": ident, "error": error.body()["error"]}
