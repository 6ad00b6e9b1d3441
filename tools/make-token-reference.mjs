#!/usr/bin/env node
// Writes tests/data/tokenizer/reference_counts.json: the o200k_base and cl100k_base token
// count of every prompt in corpus.jsonl according to the published `tiktoken` npm package
// (dqbd's WASM build of OpenAI's tiktoken), the same pinned version tools/fetch-tokenizers
// takes the rank files from. The package is installed into a temporary directory by this
// script and removed afterwards; nothing of it is committed.
// Usage: node tools/make-token-reference.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "tiktoken";
const VERSION = "1.0.22";  // keep equal to `version` in tools/fetch-tokenizers
const ENCODINGS = ["o200k_base", "cl100k_base"];

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = join(root, "tests/data/tokenizer");
const corpus = readFileSync(join(dataDir, "corpus.jsonl"), "utf8")
  .split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line));

const prefix = mkdtempSync(join(tmpdir(), "sb-tiktoken-"));
try {
  execFileSync("npm", ["install", "--prefix", prefix, "--no-audit", "--no-fund", "--ignore-scripts",
                       `${PACKAGE}@${VERSION}`], { stdio: ["ignore", "ignore", "inherit"] });
  const require = createRequire(join(prefix, "package.json"));
  const installed = JSON.parse(readFileSync(join(prefix, "node_modules", PACKAGE, "package.json"), "utf8")).version;
  if (installed !== VERSION) throw new Error(`installed ${PACKAGE}@${installed}, wanted ${VERSION}`);
  const { get_encoding } = require(PACKAGE);

  const encoders = Object.fromEntries(ENCODINGS.map((name) => [name, get_encoding(name)]));
  const counts = corpus.map(({ id, kind, text }) => {
    const entry = { id, kind, bytes: Buffer.byteLength(text, "utf8") };
    // encode_ordinary: special-token strings are counted as ordinary text, as we count user text.
    for (const name of ENCODINGS) entry[name] = encoders[name].encode_ordinary(text).length;
    return entry;
  });
  // Known token ids, so the C++ test can check encode() and not only the counts.
  const samples = ["hello world", "Hello, world! 你好，世界。", "don't   stop\n\n  me 1234567 🎉"];
  const known_ids = samples.map((text) => ({
    text,
    ...Object.fromEntries(ENCODINGS.map((name) => [name, Array.from(encoders[name].encode_ordinary(text))])),
  }));
  for (const encoder of Object.values(encoders)) encoder.free();

  const result = {
    generator: "tools/make-token-reference.mjs",
    package: PACKAGE,
    version: VERSION,
    method: "encode_ordinary(text).length",
    corpus: "tests/data/tokenizer/corpus.jsonl",
    known_ids,
    counts,
  };
  const out = join(dataDir, "reference_counts.json");
  // One prompt per line keeps diffs readable.
  const body = JSON.stringify({ ...result, known_ids: "@KNOWN@", counts: "@COUNTS@" }, null, 2)
    .replace('"@KNOWN@"', "[\n" + known_ids.map((k) => "    " + JSON.stringify(k)).join(",\n") + "\n  ]")
    .replace('"@COUNTS@"', "[\n" + counts.map((c) => "    " + JSON.stringify(c)).join(",\n") + "\n  ]");
  writeFileSync(out, body + "\n");
  console.log(`wrote ${counts.length} reference counts (${PACKAGE}@${VERSION}) to ${out}`);
} finally {
  rmSync(prefix, { recursive: true, force: true });
}
