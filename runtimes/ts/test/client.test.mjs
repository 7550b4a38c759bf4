// The client entry point with a fake fetch and a fake WebSocket: the cache
// tiers, the transport, auth refresh, CSRF renewal, bundles and the socket.

import { test } from "node:test";

import * as rt from "../dist/client.js";

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function equal(got, want, message = "") {
  const [g, w] = [rt.canonicalJson(got), rt.canonicalJson(want)];
  if (g !== w) throw new Error(`${message} got ${g}, want ${w}`);
}

const prim = (name) => ({ kind: "primitive", name });
const auth = { kind: "public", level: "public" };
const fn = (extra) => ({
  kind: "query",
  params: [],
  returns: null,
  auth,
  context: null,
  websocket: false,
  multipart: false,
  invalidates: [],
  ...extra,
});
const ctx = (keys, members) => ({
  keys,
  members,
  auth,
  cache: { ttl: 0, vary: "identity" },
  render: "csr",
});

const table = {
  schema: {
    enums: { Role: ["member", "staff"] },
    records: {
      Profile: [
        { name: "user_id", type: prim("int64") },
        { name: "name", type: prim("str") },
        {
          name: "role",
          type: { kind: "named", name: "Role", ref: "enum" },
          default: "member",
        },
        { name: "seen", type: { kind: "nullable", inner: prim("datetime") } },
      ],
    },
  },
  functions: {
    user_profile: fn({
      context: "user",
      params: [{ name: "user_id", type: prim("int64") }],
      returns: { kind: "named", name: "Profile", ref: "type" },
    }),
    user_tags: fn({
      context: "user",
      params: [{ name: "user_id", type: prim("int64") }],
      returns: { kind: "list", item: prim("str") },
    }),
    order_total: fn({
      context: "order",
      params: [
        { name: "customer_id", type: prim("int64") },
        { name: "order_id", type: prim("int64") },
      ],
      returns: prim("decimal"),
    }),
    rename: fn({
      kind: "mutation",
      params: [
        { name: "user_id", type: prim("int64") },
        { name: "name", type: prim("str") },
      ],
      returns: { kind: "named", name: "Profile", ref: "type" },
      invalidates: [
        { context: "user", tier: "exact", bindings: { user_id: "user_id" } },
      ],
    }),
    upload_avatar: fn({
      kind: "mutation",
      multipart: true,
      params: [
        { name: "user_id", type: prim("int64") },
        {
          name: "file",
          type: { kind: "upload" },
          upload: { max_size: 1000, content_types: [] },
        },
      ],
      returns: prim("int"),
    }),
    live_total: fn({
      websocket: true,
      params: [{ name: "n", type: prim("int") }],
      returns: prim("int64"),
    }),
    whoami: fn({ returns: { kind: "nullable", inner: prim("str") } }),
  },
  contexts: {
    user: ctx(
      [{ name: "user_id", type: prim("int64") }],
      ["user_profile", "user_tags"],
    ),
    order: ctx(
      [
        { name: "customer_id", type: prim("int64") },
        { name: "order_id", type: prim("int64") },
      ],
      ["order_total"],
    ),
    stats: ctx([], []),
  },
  forms: {},
  auth: {
    jwt: {
      algorithm: "HS256",
      issuer: null,
      audience: null,
      access_ttl: 900,
      refresh_ttl: 1209600,
    },
  },
};

const b64url = (value) =>
  Buffer.from(JSON.stringify(value)).toString("base64url");
const jwt = (claims) =>
  `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(claims)}.c2ln`;
const now = () => Math.floor(Date.now() / 1000);
const tokens = (tag, exp = now() + 900) => ({
  access: jwt({ sub: "42", exp, typ: "access", tag }),
  refresh: jwt({ sub: "42", exp: now() + 9999, typ: "refresh", tag }),
  expires_in: 900,
  token_type: "Bearer",
});

/** A fake fetch answering from `route(request)` -> [status, body, headers?]. */
function fakeFetch(route) {
  const requests = [];
  const fetch = async (url, init = {}) => {
    const request = {
      url: String(url),
      path: new URL(String(url), "http://x").pathname,
      method: init.method ?? "GET",
      headers: { ...(init.headers ?? {}) },
      body: init.body ?? null,
    };
    requests.push(request);
    const [status, body, headers = {}] = route(request, requests.length);
    return new Response(body === undefined ? "" : JSON.stringify(body), {
      status,
      headers: { "Content-Type": "application/json", ...headers },
    });
  };
  return { fetch, requests };
}

const profile = {
  name: "Ada",
  role: "member",
  seen: "2024-01-31T12:00:00.123456Z",
  user_id: "42",
};

// --- the cache and its tiers ---------------------------------------------------------

await test("cache tiers: exact, partial, global, everything", async () => {
  const cache = new rt.ContextCache(table);
  const fill = () => {
    cache.clear();
    cache.set("user", ["1"], { n: 1 });
    cache.set("user", ["2"], { n: 2 });
    cache.set("order", ["1", "10"], {});
    cache.set("order", ["1", "11"], {});
    cache.set("order", ["2", "10"], {});
    cache.set("stats", [], {});
  };
  const left = () =>
    cache
      .entries()
      .map((b) => [b.context, ...b.keyTexts].join(":"))
      .sort();
  const heard = [];
  const stop = cache.onInvalidate((inv) => heard.push(inv));

  fill();
  cache.invalidate([
    { context: "order", params: { customer_id: "1", order_id: "10" } },
  ]);
  equal(
    left(),
    ["order:1:11", "order:2:10", "stats", "user:1", "user:2"],
    "exact:",
  );

  fill();
  cache.invalidate([{ context: "order", params: { customer_id: "1" } }]);
  equal(left(), ["order:2:10", "stats", "user:1", "user:2"], "partial:");

  fill();
  cache.invalidate([
    { context: "order", params: {} },
    { context: "user", params: { user_id: "2" } },
  ]);
  equal(left(), ["stats", "user:1"], "global:");

  fill();
  cache.invalidate("*");
  equal(left(), [], "everything:");

  // Listeners get normalized lists: duplicates and covered entries gone, sorted.
  cache.invalidate([
    { context: "user", params: { user_id: "1" } },
    { context: "stats", params: {} },
    { context: "user", params: {} },
  ]);
  equal(heard.at(-1), [
    { context: "stats", params: {} },
    { context: "user", params: {} },
  ]);
  stop();
  cache.invalidate("*");
  check(heard.length === 5, `listener calls ${heard.length}`);

  // covers and the TanStack predicate agree with the cache.
  const entry = { context: "order", params: { customer_id: "1" } };
  check(cache.covers(entry, "order", ["1", "99"]), "partial covers");
  check(!cache.covers(entry, "order", ["2", "99"]), "partial other");
  equal(rt.queryKey("order", ["1", null]), ["mizan", "order", "1", null]);
  const predicate = rt.queryKeyPredicate(table, [entry]);
  check(predicate({ queryKey: ["mizan", "order", "1", "5"] }), "predicate hit");
  check(
    !predicate({ queryKey: ["mizan", "order", "2", "5"] }),
    "predicate miss",
  );
  check(!predicate({ queryKey: ["other", "order", "1"] }), "foreign key");
  check(
    rt.queryKeyPredicate(table, "*")({ queryKey: ["mizan", "user", "3"] }),
    "star",
  );
});

// --- calls ---------------------------------------------------------------------

await test("call: JSON body, decoded result, header-driven invalidation", async () => {
  const { fetch, requests } = fakeFetch((req) => {
    if (req.path === "/api/mizan/session/")
      return [200, { csrf: "tok", protocol: 1 }];
    return [
      200,
      { invalidate: [], result: profile },
      { "X-Mizan-Invalidate": "user;user_id=42" },
    ];
  });
  const client = rt.createRuntime(table, {
    fetch,
    baseUrl: "https://api.example",
  });
  client.cache.set("user", ["42"], {});
  client.cache.set("user", ["7"], {});
  const heard = [];
  client.onInvalidate((inv) => heard.push(inv));
  const result = await client.call("rename", { user_id: 42n, name: "Ada" });
  equal(
    requests.map((r) => r.path),
    ["/api/mizan/session/", "/api/mizan/call/"],
  );
  const call = requests[1];
  check(call.url === "https://api.example/api/mizan/call/", call.url);
  check(
    call.body === '{"args":{"name":"Ada","user_id":"42"},"fn":"rename"}',
    call.body,
  );
  check(call.headers["Content-Type"] === "application/json", "content type");
  check(call.headers["X-Mizan-CSRF"] === "tok", "csrf header");
  check(result.user_id === 42n && result.seen instanceof Date, "decoded");
  check(rt.datetimeMicros(result.seen) === 456, "micros kept");
  equal(
    rt.encodeValue(table.schema, table.functions.rename.returns, result),
    profile,
  );
  equal(heard, [[{ context: "user", params: { user_id: "42" } }]]);
  equal(
    client.cache.entries().map((b) => b.keyTexts),
    [["7"]],
  );
});

await test("call: an unreadable header invalidates everything", async () => {
  const { fetch } = fakeFetch(() => [
    200,
    {
      invalidate: [{ context: "user", params: { user_id: "42" } }],
      result: profile,
    },
    { "X-Mizan-Invalidate": "user;user_id=4 2" },
  ]);
  const client = rt.createRuntime(table, { fetch, csrf: false });
  const heard = [];
  client.onInvalidate((inv) => heard.push(inv));
  await client.call("rename", { user_id: 42n, name: "Ada" });
  equal(heard, ["*"]);
});

await test("call: multipart FormData with the file parts", async () => {
  const { fetch, requests } = fakeFetch(() => [
    200,
    { invalidate: [], result: 5 },
  ]);
  const client = rt.createRuntime(table, { fetch, csrf: false });
  const file = new File([new Uint8Array([1, 2, 3])], "me.png", {
    type: "image/png",
  });
  const result = await client.call("upload_avatar", { user_id: 7n, file });
  check(result === 5, "result");
  const body = requests[0].body;
  check(body instanceof FormData, "FormData body");
  check(
    requests[0].headers["Content-Type"] === undefined,
    "fetch sets the boundary",
  );
  check(body.get("fn") === "upload_avatar", "fn part");
  check(
    body.get("args") === '{"user_id":"7"}',
    `args part ${body.get("args")}`,
  );
  const part = body.get("file");
  check(
    part.name === "me.png" && part.type === "image/png" && part.size === 3,
    "file part",
  );
});

await test("call: arguments that do not fit fail before sending", async () => {
  const { fetch, requests } = fakeFetch(() => [500, null]);
  const client = rt.createRuntime(table, { fetch, csrf: false });
  try {
    await client.call("rename", { user_id: "x", nmae: "Ada" });
    throw new Error("no error");
  } catch (error) {
    check(
      error instanceof rt.MizanError && error.is("invalid_arguments"),
      String(error),
    );
    check(error.status === 0 && error.failure === "encode", "client-side");
    equal(error.details, {
      nmae: {
        code: "unknown",
        message: "This name is not expected.",
        path: "/nmae",
      },
      user_id: {
        code: "format",
        message: "Not a valid int64.",
        path: "/user_id",
      },
    });
  }
  check(requests.length === 0, "nothing sent");
});

await test("call: server errors and malformed results", async () => {
  let answer = [
    404,
    {
      error: { code: "not_found", details: { fn: "x" }, message: "Not found." },
    },
  ];
  const { fetch } = fakeFetch(() => answer);
  const client = rt.createRuntime(table, { fetch, csrf: false });
  const fails = async (call) => {
    try {
      await call();
    } catch (error) {
      return error;
    }
    throw new Error("no error");
  };
  let error = await fails(() => client.call("whoami"));
  check(
    error.is("not_found") && error.status === 404 && error.details.fn === "x",
    "envelope",
  );
  answer = [200, { invalidate: [], result: { ...profile, user_id: 42 } }];
  error = await fails(() => client.call("user_profile", { user_id: 42n }));
  check(error.is("internal") && error.failure === "decode", "decode failure");
  check(
    error.path === "/result/user_id" && error.message === "Expected int64.",
    error.path,
  );
  // An unknown enum member is kept, not an error.
  answer = [200, { invalidate: [], result: { ...profile, role: "owner" } }];
  const kept = await client.call("user_profile", { user_id: 42n });
  check(kept.role === "owner", "unknown member kept");
});

await test("auth: 401 expired -> refresh -> one retry", async () => {
  const { fetch, requests } = fakeFetch((req) => {
    if (req.path === "/api/mizan/auth/refresh/") return [200, tokens("new")];
    const bearer = req.headers["Authorization"] ?? "";
    if (bearer === `Bearer ${first.access}`) {
      return [
        401,
        {
          error: {
            code: "unauthenticated",
            details: { reason: "expired" },
            message: "x",
          },
        },
      ];
    }
    return [200, { invalidate: [], result: "42" }];
  });
  const first = tokens("old");
  const changes = [];
  const client = rt.createRuntime(table, {
    fetch,
    csrf: false,
    tokenStore: rt.memoryTokenStore(first),
    onAuthChange: (t) => changes.push(t),
  });
  const result = await client.call("whoami");
  check(result === "42", "result");
  equal(
    requests.map((r) => r.path),
    ["/api/mizan/call/", "/api/mizan/auth/refresh/", "/api/mizan/call/"],
  );
  equal(JSON.parse(requests[1].body), { refresh: first.refresh });
  check(
    requests[1].headers["Authorization"] === undefined,
    "refresh sends no access token",
  );
  check(
    requests[2].headers["Authorization"] === `Bearer ${client.tokens().access}`,
    "new token",
  );
  check(
    jwtTag(client.tokens().access) === "new" && changes.length === 1,
    "stored",
  );
});

function jwtTag(token) {
  return rt.jwtClaims(token)?.tag;
}

await test("auth: a second 401 is not retried again; failed refresh forgets tokens", async () => {
  const expired = [
    401,
    {
      error: {
        code: "unauthenticated",
        details: { reason: "expired" },
        message: "x",
      },
    },
  ];
  const reused = [
    401,
    {
      error: {
        code: "unauthenticated",
        details: { reason: "reused" },
        message: "x",
      },
    },
  ];
  const { fetch, requests } = fakeFetch((req) =>
    req.path === "/api/mizan/auth/refresh/" ? reused : expired,
  );
  const client = rt.createRuntime(table, {
    fetch,
    csrf: false,
    tokenStore: rt.memoryTokenStore(tokens("a")),
  });
  try {
    await client.call("whoami");
    throw new Error("no error");
  } catch (error) {
    check(
      error.is("unauthenticated") && error.details.reason === "reused",
      String(error),
    );
  }
  check(
    requests.length === 2 && client.tokens() === null,
    `requests ${requests.length}`,
  );
});

await test("auth: a token about to expire is refreshed before the call", async () => {
  const { fetch, requests } = fakeFetch((req) =>
    req.path === "/api/mizan/auth/refresh/"
      ? [200, tokens("fresh")]
      : [200, { invalidate: [], result: null }],
  );
  const client = rt.createRuntime(table, {
    fetch,
    csrf: false,
    tokenStore: rt.memoryTokenStore(tokens("stale", now() + 5)),
  });
  await Promise.all([client.call("whoami"), client.call("whoami")]);
  const paths = requests.map((r) => r.path);
  check(
    paths.filter((p) => p.endsWith("refresh/")).length === 1,
    `one refresh: ${paths}`,
  );
  check(
    requests.at(-1).headers["Authorization"].includes(client.tokens().access),
    "fresh token",
  );
});

await test("auth: login stores tokens and drops bundles; logout spends the refresh token", async () => {
  const { fetch, requests } = fakeFetch((req) =>
    req.path === "/api/mizan/auth/token/" ? [200, tokens("in")] : [200, {}],
  );
  const client = rt.createRuntime(table, { fetch, csrf: false });
  client.cache.set("stats", [], {});
  await client.login({ username: "ada", password: "pw" });
  equal(JSON.parse(requests[0].body), {
    credentials: { password: "pw", username: "ada" },
  });
  check(
    jwtTag(client.tokens().access) === "in" &&
      client.cache.entries().length === 0,
    "in",
  );
  const refresh = client.tokens().refresh;
  await client.logout();
  equal(JSON.parse(requests[1].body), { refresh });
  check(client.tokens() === null, "out");
});

await test("csrf: a csrf_failed answer renews the session and retries once", async () => {
  let sessions = 0;
  const { fetch, requests } = fakeFetch((req) => {
    if (req.path === "/api/mizan/session/")
      return [200, { csrf: `t${++sessions}`, protocol: 1 }];
    if (req.headers["X-Mizan-CSRF"] === "t1") {
      return [
        403,
        {
          error: {
            code: "csrf_failed",
            details: { reason: "mismatch" },
            message: "x",
          },
        },
      ];
    }
    return [200, { invalidate: [], result: profile }];
  });
  const client = rt.createRuntime(table, { fetch, auth: "cookie" });
  await client.call("rename", { user_id: 1n, name: "x" });
  equal(
    requests.map((r) => r.headers["X-Mizan-CSRF"] ?? r.path),
    ["/api/mizan/session/", "t1", "/api/mizan/session/", "t2"],
  );
});

// --- bundles -----------------------------------------------------------------

await test("bundle: one request, decoded members, cached until invalidated", async () => {
  const { fetch, requests } = fakeFetch((req) => [
    200,
    {
      context: "order",
      data: { order_total: "9.90" },
      params: { customer_id: "1", order_id: "-5" },
    },
  ]);
  const client = rt.createRuntime(table, { fetch });
  const keys = { customer_id: 1n, order_id: -5 };
  const [a, b] = await Promise.all([
    client.bundle("order", keys),
    client.bundle("order", keys),
  ]);
  check(requests.length === 1, "one request for both");
  check(
    requests[0].url === "/api/mizan/ctx/order/?customer_id=1&order_id=-5",
    requests[0].url,
  );
  check(a.data.order_total === "9.90" && b === a, "decoded, shared");
  equal(a.keyTexts, ["1", "-5"]);
  equal(client.queryKey("order", keys), ["mizan", "order", "1", "-5"]);
  await client.bundle("order", keys);
  check(requests.length === 1, "served from cache");
  client.invalidate([{ context: "order", params: { customer_id: "2" } }]);
  await client.bundle("order", keys);
  check(requests.length === 1, "other partial keeps it");
  client.invalidate([{ context: "order", params: { customer_id: "1" } }]);
  await client.bundle("order", keys);
  check(requests.length === 2, "partial drops it");
});

await test("bundle: keys are checked and members the caller may not see are absent", async () => {
  const { fetch } = fakeFetch(() => [
    200,
    { context: "user", data: { user_tags: ["a"] }, params: { user_id: "3" } },
  ]);
  const client = rt.createRuntime(table, { fetch });
  const bundle = await client.bundle("user", { user_id: 3n });
  equal(Object.keys(bundle.data), ["user_tags"]);
  try {
    client.keyTexts("user", {});
    throw new Error("no error");
  } catch (error) {
    check(
      error.is("invalid_arguments") &&
        error.details.user_id.code === "required",
      String(error),
    );
  }
});

// --- the WebSocket transport ---------------------------------------------------------

await test("websocket: auth frame first, answers matched by id, invalidations applied", async () => {
  const sockets = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.sent = [];
      this.listeners = {};
      sockets.push(this);
      setTimeout(() => this.emit("open", {}), 0);
    }
    addEventListener(type, listener) {
      (this.listeners[type] ??= []).push(listener);
    }
    emit(type, event) {
      for (const listener of this.listeners[type] ?? []) listener(event);
    }
    send(text) {
      const frame = JSON.parse(text);
      this.sent.push(frame);
      const answer = (data) =>
        setTimeout(
          () => this.emit("message", { data: JSON.stringify(data) }),
          0,
        );
      if ("auth" in frame) answer({ auth: true });
      else if (frame.args.n < 0) {
        answer({
          error: { code: "forbidden", details: null, message: "No." },
          id: frame.id,
        });
      } else {
        const invalidate = [{ context: "stats", params: {} }];
        answer({ id: frame.id, invalidate, result: String(frame.args.n * 2) });
      }
    }
    close() {
      this.emit("close", {});
    }
  }
  const { fetch, requests } = fakeFetch(() => [500, null]);
  const client = rt.createRuntime(table, {
    fetch,
    WebSocket: FakeSocket,
    baseUrl: "https://api.example",
    tokenStore: rt.memoryTokenStore(tokens("ws")),
  });
  const heard = [];
  client.onInvalidate((inv) => heard.push(inv));
  const [x, y] = await Promise.all([
    client.call("live_total", { n: 2 }),
    client.call("live_total", { n: 5 }),
  ]);
  check(x === 4n && y === 10n, `results ${x} ${y}`);
  check(
    sockets.length === 1 &&
      sockets[0].url === "wss://api.example/api/mizan/ws/",
    sockets[0]?.url,
  );
  check(
    "auth" in sockets[0].sent[0] &&
      sockets[0].sent[0].auth === client.tokens().access,
    "auth first",
  );
  equal(
    sockets[0].sent.slice(1).map((f) => f.id),
    [1, 2],
  );
  check(heard.length === 2 && requests.length === 0, "invalidated, no HTTP");
  try {
    await client.call("live_total", { n: -1 });
    throw new Error("no error");
  } catch (error) {
    check(error.is("forbidden") && error.status === 403, String(error));
  }
  // New tokens: the next call reconnects and authenticates with them.
  client.setTokens(tokens("ws2"));
  check((await client.call("live_total", { n: 1 })) === 2n, "after new tokens");
  check(
    sockets.length === 2 && sockets[1].sent[0].auth === client.tokens().access,
    "reconnected",
  );
  client.close();
});
