import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { Store } from "../../static/js/state.js";

const DIR = fileURLToPath(new URL("../../static/js/", import.meta.url));
const TESTS = fileURLToPath(new URL("./", import.meta.url));
const read = (dir, ext) =>
  Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => [f, readFileSync(dir + f, "utf8")]));
const modules = read(DIR, ".js");
const tests = read(TESTS, ".test.mjs");

test("every export of a page module is used: by the page, inside its module, or by a test", () => {
  const everything = [...Object.values(modules), ...Object.values(tests)].join("\n");
  const unused = [];
  for (const [file, text] of Object.entries(modules)) {
    for (const [, name] of text.matchAll(/^export (?:async )?(?:function|class|const|let) (\w+)/gm)) {
      const uses = everything.match(new RegExp(`\\b${name}\\b`, "g")).length - 1; // less the definition
      if (uses === 0) unused.push(`${file}: ${name}`);
    }
  }
  assert.deepEqual(unused, []);
});

test("no helper is written twice in different modules", () => {
  const seen = new Map();
  const twice = [];
  for (const [file, text] of Object.entries(modules)) {
    for (const [, name] of text.matchAll(/^(?:export )?function (\w+)/gm)) {
      if (seen.has(name)) twice.push(`${name} in ${seen.get(name)} and ${file}`);
      else seen.set(name, file);
    }
  }
  assert.deepEqual(twice, []);
});

test("the store is read through store.state only", () => {
  const methods = Object.getOwnPropertyNames(Store.prototype).sort();
  assert.deepEqual(methods, ["constructor", "set", "setView", "subscribe", "toggleHidden"]);
});
