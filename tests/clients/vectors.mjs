// Replays the protocol vectors a client needs against the compiled runtime.
// Usage: node vectors.mjs <runtime.js> <protocol/vectors dir>
// Prints {"<file>": {"cases": n, "failures": [...]}} as JSON on stdout.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [runtimePath, vectorsDir] = process.argv.slice(2);
const rt = await import(pathToFileURL(runtimePath).href);
const load = (name) => JSON.parse(readFileSync(join(vectorsDir, name), "utf8"));
const summary = {};

/** Run `check(item)` for each item; a thrown error or a false result is a failure. */
function replay(file, label, items, check) {
  const entry = (summary[file] ??= { cases: 0, failures: [] });
  items.forEach((item, index) => {
    entry.cases++;
    try {
      const problem = check(item);
      if (problem) entry.failures.push({ label, index, problem, item });
    } catch (error) {
      entry.failures.push({
        label,
        index,
        problem: String(error?.stack ?? error),
        item,
      });
    }
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

process.stdout.write(JSON.stringify(summary));
