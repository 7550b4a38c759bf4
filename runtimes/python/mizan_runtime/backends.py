"""Shared state for several server processes, in Redis (redis-py).

`RedisBundleCache` is the origin bundle cache (docs/protocol.md 8) and
`RedisUsedTokens` remembers spent refresh tokens (9.5); both implement the
runtime's interfaces, so `create_app(..., cache=RedisBundleCache(client),
used_tokens=RedisUsedTokens(client))` is all a deployment changes.

Each store and each invalidation runs as one Lua script, so processes
never interleave inside one: a bundle computed before an invalidation is
never stored after it (the generation check happens in the same step as
the write).
"""

from __future__ import annotations

import time
from typing import Any

from . import core as runtime
from . import need

# The stores take a redis-py client; without redis-py this module is of no use.
need("redis", extra="redis")

_PUT = """
local g = tonumber(redis.call('GET', KEYS[2]) or '0')
    + tonumber(redis.call('GET', KEYS[3]) or '0')
if g ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('HSET', KEYS[4], ARGV[5], ARGV[4])
if redis.call('TTL', KEYS[4]) < tonumber(ARGV[3]) then
    redis.call('EXPIRE', KEYS[4], ARGV[3])
end
return 1
"""

# Drops every entry of a context whose params agree with the wanted ones
# (an entry covers the instances it names: 7.1), and moves the generation.
_INVALIDATE = """
redis.call('INCR', KEYS[1])
local wanted = cjson.decode(ARGV[1])
local all = redis.call('HGETALL', KEYS[2])
local dropped = 0
for i = 1, #all, 2 do
    local stored = cjson.decode(all[i + 1])
    local covered = true
    for k, v in pairs(wanted) do
        if stored[k] ~= v then
            covered = false
            break
        end
    end
    if covered then
        redis.call('DEL', ARGV[2] .. all[i])
        redis.call('HDEL', KEYS[2], all[i])
        dropped = dropped + 1
    end
end
return dropped
"""


class RedisBundleCache:
    """BundleCache in Redis: `client` is a `redis.Redis` (bytes responses)."""

    def __init__(self, client: Any, namespace: str = "mizan") -> None:
        self.client = client
        self.ns = namespace
        self._put = client.register_script(_PUT)
        self._invalidate = client.register_script(_INVALIDATE)

    def _body(self, key: str = "") -> str:
        return f"{self.ns}:bundle:{key}"

    def _generation(self, context: str) -> str:
        return f"{self.ns}:gen:{context}"

    def _index(self, context: str) -> str:
        return f"{self.ns}:index:{context}"

    def get(self, key: str) -> bytes | None:
        value = self.client.get(self._body(key))
        return None if value is None else bytes(value)

    def generation(self, context: str) -> int:
        own, every = self.client.mget(self._generation(context), self._generation("*"))
        return int(own or 0) + int(every or 0)

    def put(
        self,
        key: str,
        context: str,
        params: dict[str, str | None],
        body: bytes,
        ttl: int,
        generation: int,
    ) -> bool:
        if ttl <= 0:
            return False
        keys = [
            self._body(key),
            self._generation(context),
            self._generation("*"),
            self._index(context),
        ]
        args = [generation, body, ttl, runtime.canonical_json(params), key]
        return bool(self._put(keys=keys, args=args))

    def invalidate(self, entries: list[runtime.Entry]) -> None:
        for context, params in entries:
            wanted = runtime.canonical_json(dict(params))
            keys = [self._generation(context), self._index(context)]
            self._invalidate(keys=keys, args=[wanted, self._body()])

    def invalidate_all(self) -> None:
        """For the `*` form: everything is stale."""
        self.client.incr(self._generation("*"))
        for index in self.client.scan_iter(match=f"{self.ns}:index:*"):
            for key in self.client.hkeys(index):
                self.client.delete(self._body(key.decode("utf-8")))
            self.client.delete(index)


class RedisUsedTokens:
    """Spent refresh token ids, kept until the token's expiry."""

    def __init__(self, client: Any, namespace: str = "mizan") -> None:
        self.client = client
        self.ns = namespace

    def use(self, jti: str, exp: int) -> bool:
        ttl = max(1, exp - int(time.time()))
        return bool(self.client.set(f"{self.ns}:jti:{jti}", b"1", nx=True, ex=ttl))
