"""The capability rows every server target owes (mission.md), in order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capability:
    id: str
    area: str
    label: str


CAPABILITIES = (
    Capability("rpc", "Protocol core", "RPC call dispatch returning `{result, invalidate}`"),
    Capability("bundle", "Protocol core", "Named-context bundle fetch"),
    Capability("invalidate-body", "Protocol core", "Invalidation in the JSON body"),
    Capability("invalidate-header", "Protocol core", "Invalidation in the `X-Mizan-Invalidate` header"),
    Capability("scoping", "Protocol core", "Invalidation auto-scoping, three tiers"),
    Capability("registry", "Protocol core", "Function discovery / registration (generated registry)"),
    Capability("ir", "Protocol core", "Canonical IR export (KDL)"),
    Capability("uploads", "Protocol core", "File uploads (`Upload`, multipart)"),
    Capability("guards", "Edge, cache, enforcement", "Auth-guard enforcement (401/403)"),
    Capability("cache", "Edge, cache, enforcement", "Origin-side HMAC cache of context bundles"),
    Capability("manifest", "Edge, cache, enforcement", "Edge manifest export"),
    Capability("psr", "Edge, cache, enforcement", "PSR (`render_strategy` in the manifest)"),
    Capability("session", "Edge, cache, enforcement", "Session / CSRF init endpoint"),
    Capability("websocket", "Extension points", "WebSocket transport"),
    Capability("ssr", "Extension points", "SSR bridge (subprocess renderer)"),
    Capability("jwt", "Extension points", "JWT auth (access / refresh)"),
    Capability("mwt", "Extension points", "MWT (edge identity token)"),
    Capability("shapes", "Extension points", "Shapes: typed query projection"),
    Capability("forms", "Extension points", "Forms: schema / validate / submit"),
)

BY_ID = {capability.id: capability for capability in CAPABILITIES}
