// Entry of the Hono conformance server: the generated app mounted with
// `app.route()` under the fixture's prefix, served by @hono/node-server on
// the loopback interface. Settings come as JSON in MIZAN_CONFORMANCE.

import { serve } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import { Hono } from "hono";
import {
  RedisBundleCache,
  RedisUsedTokens,
  errorResponse,
  serverError,
  type RedisCommands,
} from "@mizan-lang/runtime/server";
import { Redis } from "ioredis";

import { createMizanApp } from "./fixture_api/index.js";
import { Fixture } from "./impl.js";
import { SqliteLibrary } from "./library.js";

interface Settings {
  port: number;
  prefix: string;
  secret: string;
  jwt_key: string;
  mwt_secret: string;
  max_body_size: number;
  renderer: string[];
  /** Several processes share the origin cache and spent tokens here. */
  redis_url?: string;
}

const settings = JSON.parse(
  process.env["MIZAN_CONFORMANCE"] ?? "{}",
) as Settings;
const redis =
  settings.redis_url === undefined
    ? null
    : (new Redis(settings.redis_url) as unknown as RedisCommands);
const root = new Hono();
const { injectWebSocket, upgradeWebSocket } = createNodeWebSocket({
  app: root,
});
const mizan = createMizanApp(new Fixture(await SqliteLibrary.open()), {
  prefix: "/",
  secret: settings.secret,
  jwtKey: settings.jwt_key,
  mwtSecret: settings.mwt_secret,
  maxBodySize: settings.max_body_size,
  renderer: settings.renderer,
  upgradeWebSocket,
  ...(redis === null
    ? {}
    : {
        cache: new RedisBundleCache(redis, "conformance"),
        usedTokens: new RedisUsedTokens(redis, "conformance"),
      }),
  onError: (error, where) => console.error(`mizan: ${where} failed:`, error),
});
root.route(settings.prefix.replace(/\/$/, ""), mizan);
root.notFound(() => errorResponse(serverError("not_found", null)));
const server = serve({
  fetch: root.fetch,
  port: settings.port,
  hostname: "127.0.0.1",
});
injectWebSocket(server);
