// The IPC transport under Node.js with Tauri's own mocks (@tauri-apps/api/mocks):
// the real `invoke` and `Channel` of @tauri-apps/api/core, a fake backend in
// place of the generated Rust commands answering their `{status, headers,
// body}` envelopes. What each command receives (name, headers, body bytes)
// is checked, and what the client does with the answers.

import { test, beforeEach, afterEach } from "node:test";

globalThis.window ??= globalThis;

const { Channel, invoke } = await import("@tauri-apps/api/core");
const { clearMocks, mockIPC } = await import("@tauri-apps/api/mocks");
const rt = await import("../dist/client.js");
const ipc = await import("../dist/ipc.js");

function equal(got, want, message = "") {
  const [g, w] = [rt.canonicalJson(got), rt.canonicalJson(want)];
  if (g !== w) throw new Error(`${message} got ${g}, want ${w}`);
}

const int64 = { kind: "primitive", name: "int64" };
const str = { kind: "primitive", name: "str" };
const open = { kind: "public", level: "public" };
const query = (extra) => ({
  kind: "query",
  params: [],
  returns: null,
  auth: open,
  context: null,
  websocket: false,
  multipart: false,
  invalidates: [],
  ...extra,
});
const table = {
  schema: { enums: {}, records: {} },
  functions: {
    note: query({
      context: "board",
      params: [{ name: "board", type: int64 }],
      returns: str,
    }),
    write: query({
      kind: "mutation",
      params: [
        { name: "board", type: int64 },
        { name: "text", type: str },
      ],
      returns: int64,
      invalidates: [
        { context: "board", tier: "exact", bindings: { board: "board" } },
      ],
    }),
    attach: query({
      kind: "mutation",
      multipart: true,
      params: [
        {
          name: "file",
          type: { kind: "upload" },
          upload: { max_size: 100, content_types: [] },
        },
      ],
      returns: int64,
    }),
    live: query({ websocket: true, returns: int64 }),
  },
  contexts: {
    board: {
      keys: [{ name: "board", type: int64 }],
      members: ["note"],
      auth: open,
      cache: { ttl: 0, vary: "identity" },
      render: "csr",
    },
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

const JSON_TYPE = [["content-type", "application/json"]];
let sent; // what the commands received: {cmd, headers, text}
let answers; // cmd -> envelope (or a function of the request)
let channels; // the subscription channels, by their callback id

beforeEach(() => {
  sent = [];
  channels = [];
  answers = {};
  mockIPC((cmd, args) => {
    if (cmd === "mizan_subscribe") {
      channels.push(args.channel);
      return null;
    }
    const request = sent[sent.length - 1];
    const answer = answers[cmd];
    if (answer === undefined) throw new Error(`command ${cmd} not found`);
    return typeof answer === "function" ? answer(request) : answer;
  });
  // mockIPC hands the callback no headers: note them on the way in.
  const mocked = window.__TAURI_INTERNALS__.invoke;
  window.__TAURI_INTERNALS__.invoke = (cmd, args, options) => {
    if (cmd !== "mizan_subscribe") {
      const text =
        args instanceof Uint8Array
          ? Buffer.from(args).toString("latin1")
          : null;
      sent.push({ cmd, headers: options?.headers ?? {}, text });
    }
    return mocked(cmd, args, options);
  };
});

afterEach(() => clearMocks());

const client = (extra = {}) => {
  const runtime = rt.createRuntime(table, {
    ipc: ipc.tauriTransport({ invoke, Channel }),
    // Over IPC nothing may reach fetch.
    fetch: () => {
      throw new Error("fetch called over IPC");
    },
    WebSocket: class {
      constructor() {
        throw new Error("WebSocket opened over IPC");
      }
    },
    ...extra,
  });
  return runtime;
};

test("a call is the HTTP request's bytes to mizan_call, its envelope the result", async () => {
  answers.mizan_call = {
    status: 200,
    headers: JSON_TYPE,
    body: {
      result: "7",
      invalidate: [{ context: "board", params: { board: "1" } }],
    },
  };
  const api = client();
  const result = await api.call("write", { board: 1n, text: "hi" });
  equal(result, 7n);
  equal(sent.length, 1);
  equal(sent[0].cmd, "mizan_call");
  equal(sent[0].headers, {
    "mizan-path": "call/",
    "mizan-method": "POST",
    "mizan-content-type": "application/json",
  });
  equal(sent[0].text, '{"args":{"board":"1","text":"hi"},"fn":"write"}');
});

test("a bundle goes to mizan_bundle with its path and query; a mutation's invalidation drops it", async () => {
  let bundles = 0;
  answers.mizan_bundle = (request) => {
    bundles += 1;
    const params = { board: request.headers["mizan-path"].split("=")[1] };
    return {
      status: 200,
      headers: JSON_TYPE,
      body: { context: "board", params, data: { note: `v${bundles}` } },
    };
  };
  answers.mizan_call = {
    status: 200,
    headers: JSON_TYPE,
    body: {
      result: "1",
      invalidate: [{ context: "board", params: { board: "1" } }],
    },
  };
  const api = client();
  equal((await api.bundle("board", { board: 1n })).data, { note: "v1" });
  equal(sent[0].cmd, "mizan_bundle");
  equal(sent[0].headers["mizan-path"], "ctx/board/?board=1");
  equal(sent[0].headers["mizan-method"], "GET");
  equal(
    (await api.bundle("board", { board: 1n })).data,
    { note: "v1" },
    "cached",
  );
  await api.call("write", { board: 1n, text: "x" });
  equal(
    (await api.bundle("board", { board: 1n })).data,
    { note: "v2" },
    "refetched",
  );
  equal(bundles, 2);
});

test("an error envelope is the protocol error; a 401 carries its reason", async () => {
  answers.mizan_call = {
    status: 401,
    headers: [...JSON_TYPE, ["www-authenticate", "Bearer"]],
    body: {
      error: { code: "unauthenticated", details: { reason: "invalid" } },
    },
  };
  const api = client();
  await api.call("live").then(
    () => {
      throw new Error("no error");
    },
    (error) => {
      equal(error.code, "unauthenticated");
      equal(error.status, 401);
      equal(error.details, { reason: "invalid" });
    },
  );
  equal(sent[0].cmd, "mizan_call", "a websocket function goes over IPC too");
});

test("the app's bearer token is sent as authorization; no CSRF session is fetched", async () => {
  answers.mizan_call = {
    status: 200,
    headers: JSON_TYPE,
    body: { result: "1", invalidate: [] },
  };
  const claims = Buffer.from(
    JSON.stringify({ sub: "ada", exp: 4102444800, typ: "access" }),
  ).toString("base64url");
  const access = `eyJhbGciOiJIUzI1NiJ9.${claims}.c2ln`;
  const api = client({
    tokenStore: rt.memoryTokenStore({
      access,
      refresh: access,
      expires_in: 900,
      token_type: "Bearer",
    }),
  });
  await api.call("write", { board: 2n, text: "y" });
  equal(
    sent.map((s) => s.cmd),
    ["mizan_call"],
  );
  equal(sent[0].headers.authorization, `Bearer ${access}`);
});

test("an upload travels as the multipart bytes HTTP would send", async () => {
  answers.mizan_call = {
    status: 200,
    headers: JSON_TYPE,
    body: { result: "5", invalidate: [] },
  };
  const api = client();
  const result = await api.call("attach", {
    file: new Blob(["hello"], { type: "text/plain" }),
  });
  equal(result, 5n);
  const type = sent[0].headers["mizan-content-type"];
  if (!/^multipart\/form-data; boundary=/.test(type)) throw new Error(type);
  for (const part of ['name="fn"', "attach", 'name="file"', "hello"]) {
    if (!sent[0].text.includes(part))
      throw new Error(`no ${part} in ${sent[0].text}`);
  }
});

test("what another window invalidates arrives on the subscription channel and refetches", async () => {
  let bundles = 0;
  answers.mizan_bundle = (request) => {
    bundles += 1;
    const params = { board: request.headers["mizan-path"].split("=")[1] };
    return {
      status: 200,
      headers: JSON_TYPE,
      body: { context: "board", params, data: { note: `v${bundles}` } },
    };
  };
  const api = client();
  await api.subscribed;
  equal(channels.length, 1, "the client subscribed at creation");
  await api.bundle("board", { board: 3n });
  await api.bundle("board", { board: 3n });
  equal(bundles, 1);
  // The Rust side pushes {"invalidate": [...]} on the channel (message 0).
  window.__TAURI_INTERNALS__.runCallback(channels[0].id, {
    index: 0,
    message: { invalidate: [{ context: "board", params: { board: "3" } }] },
  });
  equal((await api.bundle("board", { board: 3n })).data, { note: "v2" });
  // An unreadable push invalidates everything.
  window.__TAURI_INTERNALS__.runCallback(channels[0].id, {
    index: 1,
    message: { invalidate: 5 },
  });
  equal((await api.bundle("board", { board: 3n })).data, { note: "v3" });
});

test("the family of each path picks its command", () => {
  equal(
    [
      "call/",
      "ctx/a/?k=1",
      "render/a/",
      "form/f/submit/",
      "auth/token/",
      "ir/",
      "session/",
    ].map(ipc.ipcCommand),
    [
      "mizan_call",
      "mizan_bundle",
      "mizan_render",
      "mizan_form",
      "mizan_auth",
      "mizan_ir",
      "mizan_call",
    ],
  );
});

test("a rejected invoke (no such command) is a closed connection, not a crash", async () => {
  const api = client();
  await api.call("live").then(
    () => {
      throw new Error("no error");
    },
    (error) => equal([error.code, error.failure], ["internal", "closed"]),
  );
});
