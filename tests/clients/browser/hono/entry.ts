// Entry of the browser proof's Hono server: one origin serves the generated
// API (mounted with app.route() at /api/mizan) and the built front-end
// (MIZAN_BROWSER_DIST) at /; every request is counted by method and path,
// and the driver reads the counts at /_test/requests, as with ../entry.py.

import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";

import { serve } from "@hono/node-server";
import { Hono } from "hono";

import { createMizanApp } from "./api/index.js";
import { BrowserApp } from "./impl.js";

const DIST = process.env["MIZAN_BROWSER_DIST"]!;
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};
const counts = new Map<string, number>();
const root = new Hono();

root.get("/_test/requests", (c) =>
  c.json(Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : 1)))),
);
root.use("*", async (c, next) => {
  const key = `${c.req.method} ${c.req.path}`;
  counts.set(key, (counts.get(key) ?? 0) + 1);
  await next();
});
root.route(
  "/api/mizan",
  createMizanApp(new BrowserApp(), {
    prefix: "/",
    secret: "browser-proof-secret-of-at-least-32-bytes",
  }),
);
root.get("*", async (c) => {
  const path = c.req.path === "/" ? "/index.html" : c.req.path;
  const file = normalize(join(DIST, path));
  if (!file.startsWith(DIST)) return c.notFound();
  try {
    const data = await readFile(file);
    const type = TYPES[extname(file)] ?? "application/octet-stream";
    return new Response(data, { headers: { "content-type": type } });
  } catch {
    return c.notFound();
  }
});
serve({
  fetch: root.fetch,
  port: Number(process.env["PORT"]),
  hostname: "127.0.0.1",
});
