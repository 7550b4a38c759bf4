// Shared state for several server processes, in Redis: the origin bundle
// cache (docs 8) and the spent refresh tokens (9.5), with the same keys and
// Lua scripts as the Python runtime's backends. Each store and each
// invalidation runs as one script, so processes never interleave inside
// one: a bundle computed before an invalidation is never stored after it.
// The client is any object with these ioredis-style commands (ioredis
// itself fits); this module imports no Redis package.

import type { BundleCache, UsedTokens } from "./dispatch.js";
import { type InvalidationEntry, canonicalJson } from "./index.js";

/** The commands the backends use (ioredis's signatures). */
export interface RedisCommands {
  getBuffer(key: string): Promise<Uint8Array | null>;
  mget(...keys: string[]): Promise<(string | null)[]>;
  eval(
    script: string,
    numKeys: number,
    ...args: (string | number | Uint8Array)[]
  ): Promise<unknown>;
  set(
    key: string,
    value: string,
    expiry: "EX",
    seconds: number,
    mode: "NX",
  ): Promise<"OK" | null>;
}

const PUT = `
local g = tonumber(redis.call('GET', KEYS[2]) or '0')
    + tonumber(redis.call('GET', KEYS[3]) or '0')
if g ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('HSET', KEYS[4], ARGV[5], ARGV[4])
if redis.call('TTL', KEYS[4]) < tonumber(ARGV[3]) then
    redis.call('EXPIRE', KEYS[4], ARGV[3])
end
return 1
`;

const INVALIDATE = `
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
`;

/** The origin bundle cache in Redis, shared by every process using it. */
export class RedisBundleCache implements BundleCache {
  constructor(
    private readonly client: RedisCommands,
    private readonly namespace = "mizan",
  ) {}

  private body(key = ""): string {
    return `${this.namespace}:bundle:${key}`;
  }

  private generationKey(context: string): string {
    return `${this.namespace}:gen:${context}`;
  }

  async get(key: string): Promise<Uint8Array | null> {
    const value = await this.client.getBuffer(this.body(key));
    return value === null ? null : new Uint8Array(value);
  }

  async generation(context: string): Promise<number> {
    const [own, every] = await this.client.mget(
      this.generationKey(context),
      this.generationKey("*"),
    );
    return Number(own ?? 0) + Number(every ?? 0);
  }

  async put(
    key: string,
    context: string,
    params: Readonly<Record<string, string | null>>,
    data: Uint8Array,
    ttl: number,
    generation: number,
  ): Promise<void> {
    if (ttl <= 0) return;
    await this.client.eval(
      PUT,
      4,
      this.body(key),
      this.generationKey(context),
      this.generationKey("*"),
      `${this.namespace}:index:${context}`,
      generation,
      // A Buffer: clients stringify other objects (a Uint8Array as "1,2,3").
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      ttl,
      canonicalJson(params),
      key,
    );
  }

  async invalidate(entries: readonly InvalidationEntry[]): Promise<void> {
    for (const entry of entries) {
      await this.client.eval(
        INVALIDATE,
        2,
        this.generationKey(entry.context),
        `${this.namespace}:index:${entry.context}`,
        canonicalJson(entry.params),
        this.body(),
      );
    }
  }
}

/** Spent refresh token ids, kept until the token's expiry. */
export class RedisUsedTokens implements UsedTokens {
  constructor(
    private readonly client: RedisCommands,
    private readonly namespace = "mizan",
    private readonly clock: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async use(jti: string, exp: number): Promise<boolean> {
    const ttl = Math.max(1, exp - this.clock());
    const set = await this.client.set(
      `${this.namespace}:jti:${jti}`,
      "1",
      "EX",
      ttl,
      "NX",
    );
    return set === "OK";
  }
}
