// Replays every file of protocol/vectors/ against the built package (dist/):
// the shared entry point for values, args, invalidation, headers, forms,
// errors and token claims; the server entry point for call and query
// decoding, uploads, cache keys, CSRF, MWT, JWT minting and verification,
// guards and the edge manifest. Each group of cases is one test; its
// failures are listed in the assertion message.
// MIZAN_VECTORS overrides the folder (default: the repository's).

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

import * as rt from "../dist/server.js";

const vectorsDir =
  process.env.MIZAN_VECTORS ??
  fileURLToPath(new URL("../../../protocol/vectors/", import.meta.url));
const load = (name) => JSON.parse(readFileSync(join(vectorsDir, name), "utf8"));
const replayed = new Set();

/** One test per group: `check(item)` returns a problem text or null. */
function replay(file, label, items, check) {
  replayed.add(file);
  test(`${file} ${label}`, () => {
    assert.ok(items.length > 0, "no cases");
    const failures = [];
    items.forEach((item, index) => {
      let problem;
      try {
        problem = check(item);
      } catch (error) {
        problem = String(error?.stack ?? error);
      }
      if (problem) failures.push({ index, problem, item });
    });
    assert.deepEqual(
      failures,
      [],
      JSON.stringify(failures.slice(0, 5), null, 2),
    );
  });
}

const same = (a, b) => rt.canonicalJson(a) === rt.canonicalJson(b);
const differ = (got, want) =>
  same(got, want)
    ? null
    : `got ${rt.canonicalJson(got)}, want ${rt.canonicalJson(want)}`;
const problemOf = (fn) => {
  try {
    fn();
    return null;
  } catch (error) {
    if (error instanceof rt.ValueError) return error.problem;
    throw error;
  }
};

// values.json: decode (strict, enums rejected like a server) then encode back.
{
  const v = load("values.json");
  replay("values.json", "decode", v.decode, (c) => {
    const json = rt.parseJsonStrict(c.input);
    if (!c.valid) {
      const problem = problemOf(() =>
        rt.decodeValue(v.schema, c.type, json, { unknownEnum: "reject" }),
      );
      if (problem?.code === "choice") {
        // A client keeps unknown members (no throw) and sends them back as is.
        const kept = rt.decodeValue(v.schema, c.type, json);
        if (!same(rt.encodeValue(v.schema, c.type, kept), json))
          return "enum fallback";
      }
      return differ(problem, c.error);
    }
    const decoded = rt.decodeValue(v.schema, c.type, json, {
      unknownEnum: "reject",
    });
    const text = rt.canonicalJson(rt.encodeValue(v.schema, c.type, decoded));
    return text === c.output ? null : `got ${text}, want ${c.output}`;
  });
  replay("values.json", "keys", v.keys, (c) => {
    if (!c.valid) {
      return differ(
        problemOf(() => rt.parseKeyText(v.schema, c.type, c.text, "k")),
        c.error,
      );
    }
    const key = rt.parseKeyText(v.schema, c.type, c.text, "k");
    if (key !== c.key) return `got ${key}, want ${c.key}`;
    // keyText of the decoded value gives the same text (what bundle() sends).
    const wire = JSON.stringify(c.key);
    const again = rt.keyText(c.type, c.key);
    return again === c.key ? null : `keyText(${wire}) = ${again}`;
  });
  replay("values.json", "parse", v.parse, (c) => {
    const input = c.input ?? Uint8Array.from(Buffer.from(c.input_hex, "hex"));
    let output;
    try {
      output = rt.canonicalJson(rt.parseJsonStrict(input));
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      return c.valid ? `refused: ${error.message}` : null;
    }
    if (!c.valid) return `accepted as ${output}`;
    return output === c.output ? null : `got ${output}, want ${c.output}`;
  });
}

// args.json: what a client sends decodes to the same args (encode is canonical).
{
  const a = load("args.json");
  replay(
    "args.json",
    "calls",
    a.calls.filter((c) => c.valid),
    (c) => {
      const params = a.functions[c.fn];
      const args = JSON.parse(c.args);
      const decoded = JSON.parse(c.decoded);
      const out = {};
      for (const param of params) {
        if (!(param.name in decoded)) continue;
        const value = rt.decodeValue(a.schema, param.type, decoded[param.name]);
        out[param.name] = rt.encodeValue(a.schema, param.type, value);
      }
      for (const [name, value] of Object.entries(args)) {
        const param = params.find((p) => p.name === name);
        const mine = rt.encodeValue(
          a.schema,
          param.type,
          rt.decodeValue(a.schema, param.type, value),
        );
        if (!same(mine, decoded[name]))
          return `arg ${name}: ${rt.canonicalJson(mine)}`;
      }
      return differ(out, decoded);
    },
  );
  replay(
    "args.json",
    "queries",
    a.queries.filter((c) => c.valid),
    (c) => {
      const keys = a.contexts[c.context];
      const given = Object.fromEntries(c.query);
      const params = {};
      for (const key of keys) {
        params[key.name] =
          key.name in given
            ? rt.parseKeyText(a.schema, key.type, given[key.name], key.name)
            : null;
      }
      return differ(params, c.params);
    },
  );
}

// invalidation.json: entries from scopings, header text, parse back, tiers.
{
  const inv = load("invalidation.json");
  replay("invalidation.json", "cases", inv.cases, (c) => {
    const mutation = inv.plan.mutations[c.fn];
    const entries = rt.computeInvalidation(
      mutation.invalidates,
      inv.plan.contexts,
      mutation.params,
      c.args,
    );
    const wrong = differ(entries, c.invalidate);
    if (wrong) return `entries: ${wrong}`;
    if (!same(rt.normalizeInvalidation(c.invalidate), c.invalidate))
      return "not normalized";
    const header = rt.formatInvalidateHeader(entries);
    if (header !== c.header) return `header ${header}, want ${c.header}`;
    if (
      header !== null &&
      !same(rt.parseInvalidateHeader(header), c.invalidate)
    ) {
      return "header does not read back";
    }
    // Tiers: each entry covers its own instance; an instance differing in a
    // bound key is not covered unless the entry is global.
    for (const entry of entries) {
      const params = Object.fromEntries(
        inv.plan.contexts[entry.context].map((k) => [k.name, "x"]),
      );
      Object.assign(params, entry.params);
      if (!rt.coversParams(entry, entry.context, params))
        return "does not cover its own";
      for (const key of Object.keys(entry.params)) {
        const other = { ...params, [key]: `${params[key]}-other` };
        if (rt.coversParams(entry, entry.context, other))
          return `covers other ${key}`;
      }
      if (rt.coversParams(entry, `${entry.context}-other`, params))
        return "covers other context";
    }
    return null;
  });
}

// header.json: normalization and writing (with the 4096 fallbacks), reading.
{
  const h = load("header.json");
  replay("header.json", "format", h.format, (c) => {
    const normalized = rt.normalizeInvalidation(c.input);
    const wrong = differ(normalized, c.normalized);
    if (wrong) return `normalized: ${wrong}`;
    const header = rt.formatInvalidateHeader(c.input, h.limit);
    return header === c.header ? null : `header ${header}, want ${c.header}`;
  });
  replay("header.json", "parse", h.parse, (c) => {
    const read = rt.parseInvalidateHeader(c.header);
    if (!c.valid)
      return read === null ? null : `accepted: ${JSON.stringify(read)}`;
    if (c.everything)
      return read === "*" ? null : `got ${JSON.stringify(read)}`;
    return differ(read, c.invalidate);
  });
}

// forms.json: client-side verdicts equal the server's exactly.
{
  const f = load("forms.json");
  replay("forms.json", "cases", f.cases, (c) => {
    const result = rt.validateForm(f.schema, c.input);
    const want = c.valid
      ? { data: c.data, valid: true }
      : { errors: c.errors, valid: false };
    return differ(result, want);
  });
}

// errors.json: the code table and every situation's envelope.
{
  const e = load("errors.json");
  replay("errors.json", "codes", e.codes, (c) => {
    if (rt.ERROR_STATUS[c.code] !== c.status) return "status";
    return rt.ERROR_MESSAGES[c.code] === c.message ? null : "message";
  });
  replay("errors.json", "situations", e.situations, (c) => {
    const error = rt.errorFromBody(c.status, c.body);
    const want = c.body.error;
    if (!(error instanceof rt.MizanError) || !error.is(want.code))
      return `code ${error.code}`;
    if (error.status !== c.status || error.message !== want.message)
      return "status/message";
    if (error.failure !== null) return "marked as a client failure";
    return differ(error.details, want.details);
  });
}

// tokens.json: the client reads claims (for `exp`) from minted tokens.
{
  const t = load("tokens.json");
  replay("tokens.json", "mint", t.mint, (c) =>
    differ(rt.jwtClaims(c.token), JSON.parse(c.claims_json)),
  );
}

// --- the server side ------------------------------------------------------------

const envelope = (error) => {
  if (!(error instanceof rt.MizanError)) throw error;
  return rt.errorBody(error.code, error.details);
};
const outcome = (fn) => {
  try {
    return { value: fn() };
  } catch (error) {
    return { error: envelope(error) };
  }
};

// args.json: every call and query as a server decodes it, and the uploads.
{
  const a = load("args.json");
  replay("args.json", "server calls", a.calls, (c) => {
    const params = a.functions[c.fn];
    const got = outcome(() =>
      rt.decodeArgs(a.schema, params, rt.parseJsonStrict(c.args)),
    );
    if (!c.valid) return got.error ? differ(got.error, c.error) : "accepted";
    if (got.error) return `refused: ${rt.canonicalJson(got.error)}`;
    const wire = {};
    for (const param of params) {
      if (param.name in got.value)
        wire[param.name] = rt.encodeValue(
          a.schema,
          param.type,
          got.value[param.name],
        );
    }
    const text = rt.canonicalJson(wire);
    return text === c.decoded ? null : `got ${text}, want ${c.decoded}`;
  });
  replay("args.json", "server queries", a.queries, (c) => {
    const keys = a.contexts[c.context];
    const got = outcome(() => rt.decodeQuery(a.schema, keys, c.query));
    if (!c.valid) return got.error ? differ(got.error, c.error) : "accepted";
    if (got.error) return `refused: ${rt.canonicalJson(got.error)}`;
    // The decoded values give back the same key texts.
    for (const key of keys) {
      const again = rt.keyText(key.type, got.value.values[key.name]);
      if (again !== got.value.texts[key.name])
        return `value of ${key.name}: ${again}`;
    }
    return differ(got.value.texts, c.params);
  });
  replay("args.json", "uploads", a.uploads, (c) => {
    const p = a.upload_param;
    const got = outcome(() =>
      rt.checkUpload(
        p.name,
        p.max_size,
        p.content_types,
        c.size,
        c.content_type,
      ),
    );
    return differ(got.error ?? null, c.error);
  });
}

// cache_keys.json: identity, the signed message, the key.
{
  const k = load("cache_keys.json");
  replay("cache_keys.json", "cases", k.cases, (c) => {
    const identity = rt.cacheIdentity(c.vary, c.subject);
    if (identity !== c.identity) return `identity ${identity}`;
    const hex = Buffer.from(
      rt.cacheKeyMessage(c.context, c.params, identity),
    ).toString("hex");
    if (hex !== c.message_hex) return `message ${hex}`;
    const key = rt.cacheKey(c.secret, c.context, c.params, identity);
    return key === c.key ? null : `key ${key}`;
  });
}

// csrf.json: tokens from a fixed nonce, and the check's verdicts.
{
  const s = load("csrf.json");
  replay("csrf.json", "make", s.make, (c) => {
    const token = rt.makeCsrfToken(s.secret, Buffer.from(c.nonce_hex, "hex"));
    return token === c.token ? null : `got ${token}`;
  });
  replay("csrf.json", "check", s.check, (c) => {
    const result = rt.checkCsrf(s.secret, c.cookie, c.header);
    return result === c.result ? null : `got ${result}`;
  });
  test("csrf.json random tokens verify", () => {
    const token = rt.makeCsrfToken(s.secret);
    assert.equal(rt.checkCsrf(s.secret, token, token), null);
    assert.notEqual(rt.makeCsrfToken(s.secret), token);
  });
}

// mwt.json: exact tokens, and verification at `now`.
{
  const m = load("mwt.json");
  test("mwt.json ttl", () => assert.equal(rt.MWT_TTL, m.ttl));
  replay("mwt.json", "mint", m.mint, (c) => {
    const token = rt.mintMwt(c.secret, c.identity, c.exp);
    return token === c.token ? null : `got ${token}`;
  });
  replay("mwt.json", "verify", m.verify, (c) => {
    let identity;
    try {
      identity = rt.verifyMwt(m.secret, c.token, c.now);
    } catch (error) {
      if (!(error instanceof rt.MwtError)) throw error;
      if (c.valid) return `refused: ${error.reason}`;
      return error.reason === c.reason ? null : `reason ${error.reason}`;
    }
    if (!c.valid) return `accepted as ${identity}`;
    return identity === c.identity ? null : `identity ${identity}`;
  });
}

// tokens.json: exact JWT strings, verification order and guards.
{
  const t = load("tokens.json");
  replay("tokens.json", "server mint", t.mint, (c) => {
    const claims = rt.claimsFor(c.jwt, c.typ, c.sub, c.iat, c.extra, c.jti);
    if (rt.canonicalJson(claims) !== c.claims_json)
      return `claims ${rt.canonicalJson(claims)}`;
    const token = rt.mintJwt(
      c.jwt,
      c.secret,
      c.typ,
      c.sub,
      c.iat,
      c.extra,
      c.jti,
    );
    return token === c.token ? null : `got ${token}`;
  });
  replay("tokens.json", "verify", t.verify, (c) => {
    let claims;
    try {
      claims = rt.verifyJwt(t.verify_jwt, t.secret, c.token, c.typ, c.now);
    } catch (error) {
      if (!(error instanceof rt.TokenError)) throw error;
      if (c.valid) return `refused: ${error.reason}`;
      return error.reason === c.reason ? null : `reason ${error.reason}`;
    }
    return c.valid ? differ(claims, c.claims) : "accepted";
  });
  replay("tokens.json", "guards", t.guards, (c) => {
    const allows = rt.guardAllows(c.guard, c.claims);
    return allows === c.allows ? null : `got ${allows}`;
  });
}

// errors.json: every situation's envelope as a server writes it.
{
  const e = load("errors.json");
  replay("errors.json", "server envelopes", e.situations, (c) => {
    const { code, details } = c.body.error;
    if (rt.serverError(code, details).status !== c.status) return "status";
    return differ(rt.errorBody(code, details), c.body);
  });
}

// manifest.json: rebuilt from its contexts; paths follow the prefix.
{
  const { manifest } = load("manifest.json");
  const contexts = Object.entries(manifest.contexts);
  replay("manifest.json", "contexts", contexts, ([name]) => {
    const built = rt.edgeManifest(manifest.contexts, manifest.prefix);
    const wrong = differ(built.contexts[name], manifest.contexts[name]);
    if (wrong) return wrong;
    const moved = rt.edgeManifest(manifest.contexts, "/v2/mizan/");
    return moved.contexts[name].path === `/v2/mizan/ctx/${name}/`
      ? null
      : "prefix";
  });
  test("manifest.json whole", () => {
    assert.equal(
      rt.canonicalJson(rt.edgeManifest(manifest.contexts, manifest.prefix)),
      rt.canonicalJson(manifest),
    );
  });
}

test("every vector file is replayed", () => {
  const files = readdirSync(vectorsDir).filter((name) =>
    name.endsWith(".json"),
  );
  assert.ok(files.length >= 11, files.join(", "));
  assert.deepEqual([...replayed].sort(), files.sort());
});
