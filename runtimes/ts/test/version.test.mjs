// The version check generated code relies on (`requireRuntime(range)`).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import * as rt from "../dist/index.js";

test("VERSION is the package.json version", () => {
  const pkg = JSON.parse(
    readFileSync(new URL("../package.json", import.meta.url), "utf8"),
  );
  assert.equal(rt.VERSION, pkg.version);
});

test("caret and exact ranges", () => {
  const cases = [
    ["^0.1.0", "0.1.0", true],
    ["^0.1.0", "0.1.7", true],
    ["^0.1.0", "0.2.0", false],
    ["^0.1.2", "0.1.1", false],
    ["^0.0.3", "0.0.3", true],
    ["^0.0.3", "0.0.4", false],
    ["^1.2.3", "1.9.0", true],
    ["^1.2.3", "1.2.2", false],
    ["^1.2.3", "2.0.0", false],
    ["0.1.0", "0.1.0", true],
    ["0.1.0", "0.1.1", false],
    [">=0.1.0", "0.1.0", false],
    ["^0.1", "0.1.0", false],
  ];
  for (const [range, version, want] of cases) {
    assert.equal(
      rt.satisfiesRange(range, version),
      want,
      `${range} ${version}`,
    );
  }
});

test("requireRuntime names both versions when it refuses", () => {
  rt.requireRuntime(`^${rt.VERSION}`);
  assert.throws(
    () => rt.requireRuntime("^9.0.0"),
    /0\.1\.0 does not satisfy \^9\.0\.0/,
  );
});
