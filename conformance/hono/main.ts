// Entry of the Hono conformance server: the generated app mounted with
// `app.route()` under the fixture's prefix, served by @hono/node-server on
// the loopback interface. Settings come as JSON in MIZAN_CONFORMANCE.

import { serve } from "@hono/node-server";
import { createNodeWebSocket } from "@hono/node-ws";
import { Hono } from "hono";
import { errorResponse, serverError } from "@mizan-lang/runtime/server";

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
}

const settings = JSON.parse(
  process.env["MIZAN_CONFORMANCE"] ?? "{}",
) as Settings;
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
