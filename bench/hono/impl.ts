// The bench spec (bench/servers_app.py SPEC) implemented trivially, and a
// hand-written Hono handler doing the same work as the generated `call/`
// of `echo`: read and check the JSON body, make the record, answer the same
// bytes (bench/hono.py checks they are equal).

import { Hono } from "hono";

import type { Caller, Service } from "./api/index.js";
import type * as T from "./api/types.js";

const item = (id: bigint): T.Item => ({
  id,
  name: `item ${id}`,
  tags: ["a", "b"],
});

export class Bench implements Service {
  echo(_caller: Caller, id: bigint): T.Item {
    return item(id);
  }
  item_main(_caller: Caller, id: bigint): T.Item {
    return item(id);
  }
  item_tags(_caller: Caller, id: bigint): string[] {
    return ["new", "sale", `t${id % 7n}`];
  }
  item_score(_caller: Caller, id: bigint): number {
    return Number(id) * 3;
  }
  item_related(_caller: Caller, id: bigint): T.Item[] {
    return [1n, 2n, 3n].map((k) => item(id + k));
  }
}

const INT64 = /^-?(?:0|[1-9][0-9]{0,18})$/;

export function handWritten(): Hono {
  const app = new Hono();
  app.post("/api/mizan/call/", async (c) => {
    const body = (await c.req.json()) as {
      fn?: unknown;
      args?: { id?: unknown };
    };
    const id = body.args?.id;
    if (body.fn !== "echo" || typeof id !== "string" || !INT64.test(id)) {
      return c.json({ error: "bad request" }, 400);
    }
    const value = item(BigInt(id));
    const result = { id: String(value.id), name: value.name, tags: value.tags };
    return new Response(JSON.stringify({ invalidate: [], result }), {
      headers: {
        "cache-control": "no-store",
        "content-type": "application/json",
      },
    });
  });
  return app;
}
