// Column values as SQLite drivers and the Python targets store them, read
// back as the TS values of the wire types (`columnValue` of the shapes).

import assert from "node:assert/strict";
import { test } from "node:test";

import { datetimeText } from "../dist/index.js";
import { columnValue } from "../dist/shapes.js";

test("integers: numbers, bigints and texts", () => {
  assert.equal(columnValue({ type: "int64" }, 7), 7n);
  assert.equal(
    columnValue({ type: "int64" }, 9007199254740993n),
    9007199254740993n,
  );
  assert.equal(columnValue({ type: "int" }, "12"), 12);
  assert.throws(() => columnValue({ type: "int" }, 1.5), /Expected int/);
});

test("decimals keep their text, and a declared scale", () => {
  assert.equal(columnValue({ type: "decimal" }, "0.10"), "0.10");
  assert.equal(columnValue({ type: "decimal", scale: 2 }, 12.5), "12.50");
  assert.equal(columnValue({ type: "decimal", scale: 2 }, "9.9"), "9.90");
  assert.equal(columnValue({ type: "decimal", scale: 0 }, "3.7"), "3");
});

test("datetimes: SQLAlchemy's text, ISO with offsets, microseconds kept", () => {
  const moment = columnValue(
    { type: "datetime" },
    "2024-01-31 12:00:00.123456",
  );
  assert.equal(datetimeText(moment), "2024-01-31T12:00:00.123456Z");
  const shifted = columnValue(
    { type: "datetime" },
    "2024-01-31T14:00:00+02:00",
  );
  assert.equal(datetimeText(shifted), "2024-01-31T12:00:00.000000Z");
  assert.throws(
    () => columnValue({ type: "datetime" }, "yesterday"),
    /Expected datetime/,
  );
});

test("null only where the column is nullable", () => {
  assert.equal(columnValue({ type: "str", nullable: true }, null), null);
  assert.throws(() => columnValue({ type: "str" }, null), /Expected str/);
  assert.equal(columnValue({ type: "bool" }, 1), true);
  assert.equal(columnValue({ type: "bool" }, 0), false);
  assert.deepEqual(columnValue({ type: "json" }, '{"a":[1]}'), { a: [1] });
});
