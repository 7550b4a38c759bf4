// `node main.js serve <generated|hand-written> PORT`: serve one app on the
// loopback interface. `node main.js dispatch N ROUNDS`: per-call CPU time of
// both apps in-process (app.request(), no sockets), alternating rounds;
// prints JSON {generated: [us...], "hand-written": [us...], same: bool}
// (round i of each ran side by side: their ratio is one paired sample).

import { serve } from "@hono/node-server";
import type { Hono } from "hono";

import { createMizanApp } from "./api/index.js";
import { Bench, handWritten } from "./impl.js";

const apps: Record<string, () => Hono> = {
  generated: () =>
    createMizanApp(new Bench(), {
      secret: "bench-secret-not-for-production-32-bytes",
    }),
  "hand-written": handWritten,
};
const BODY = '{"fn":"echo","args":{"id":"42"}}';
const init = {
  method: "POST",
  body: BODY,
  headers: { "content-type": "application/json" },
};

const [command, first, second] = process.argv.slice(2);
if (command === "serve") {
  serve({
    fetch: apps[first!]!().fetch,
    port: Number(second),
    hostname: "127.0.0.1",
  });
} else {
  const calls = Number(first);
  const rounds = Number(second);
  const built = Object.fromEntries(
    Object.entries(apps).map(([k, make]) => [k, make()]),
  );
  const bodies = await Promise.all(
    Object.values(built).map(async (app) =>
      (await app.request("/api/mizan/call/", init)).text(),
    ),
  );
  const times: Record<string, number[]> = { generated: [], "hand-written": [] };
  for (let round = 0; round <= rounds; round++) {
    // Which app goes first alternates: a burst of load hits both alike.
    const order = Object.entries(built);
    if (round % 2 === 1) order.reverse();
    for (const [name, app] of order) {
      // CPU time of this process (user + system, every thread): on a shared
      // machine, time spent waiting for a core is not counted.
      const start = process.cpuUsage();
      for (let i = 0; i < calls; i++) {
        await (await app.request("/api/mizan/call/", init)).arrayBuffer();
      }
      const used = process.cpuUsage(start);
      const us = (used.user + used.system) / calls;
      if (round > 0) times[name]!.push(us); // round 0 warms up the JIT
    }
  }
  console.log(
    JSON.stringify({
      ...times,
      same: bodies[0] === bodies[1],
      body: bodies[0],
    }),
  );
}
