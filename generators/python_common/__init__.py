"""The framework-neutral half of the Python server targets.

FastAPI and Django generate the same modules, byte for byte (their header
names the `python` label, not a framework), so both targets can write into
one package and one implementation module serves under either framework:

- from the spec: `models.py`, `service.py` (with the `authenticate` and
  `identity_of` hooks when the spec uses auth), `registry.py`, `spec.py`,
  `forms.py` (pydantic forms) and `manifest.json` (the edge manifest);
- copied as they are (`static/`): `http.py` (Request, Answer, Caller),
  `dispatch.py` (every endpoint, in the protocol's order of checks),
  `auth.py` (JWT, MWT, CSRF), `multipart.py`, `ws.py` (WebSocket frames),
  `formkit.py`, `render.py` (SSR bridge), `backends.py` (Redis), `wire.py`.

A web layer builds an `http.Request`, calls `Dispatcher.serve(handler,
subject, request, body)` for the plan route it matched (the WebSocket:
`ws.WsSession`), and writes the `http.Answer` out; it decides nothing.
"""

from .files import LABEL, common_files, scaffold_file

__all__ = ["LABEL", "common_files", "scaffold_file"]
