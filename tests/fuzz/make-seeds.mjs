#!/usr/bin/env node
// Writes the seed inputs of tests/fuzz/corpus/<target>/: the public wire samples of
// tests/data/wire (see tests/data/README.md), the default config, and a few hand-written
// edge cases, named seed-*. Deterministic; re-running rewrites the same files. The other
// inputs are left alone: boundary-* sit at a parser's limit, and inputs named by their SHA-1
// are what fuzzing found (tools/fuzz --merge). Inputs that once crashed a parser are kept
// apart, in tests/fuzz/regressions/<target>/.
// Usage: node tests/fuzz/make-seeds.mjs
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const wire = (path) => readFileSync(join(root, "tests/data/wire", path), "utf8");
const corpus = join(root, "tests/fuzz/corpus");

function seed(target, name, text) {
  mkdirSync(join(corpus, target), { recursive: true });
  writeFileSync(join(corpus, target, `seed-${name}`), text);
}

// An HTTP error as the response targets read it: "#STATUS|name: value|…\nbody".
function httpInput(status, headers, body) {
  const keep = ["retry-after", "retry-after-ms", "x-should-retry", "x-request-id", "request-id"];
  const fields = Object.entries(headers ?? {}).filter(([name]) => keep.includes(name.toLowerCase()));
  const head = [String(status), ...fields.map(([name, value]) => `${name}: ${value}`)].join("|");
  return `#${head}\n${typeof body === "string" ? body : JSON.stringify(body)}`;
}
// A wire error case's body: JSON, or the text of a page that is not JSON.
const errorBody = (error) => error.body_text ?? (error.body == null ? "" : error.body);

// --- SSE: the providers' streams, and the corners of the format ---
const streams = {
  "openai-stream": wire("openai/chat-completion-stream.txt"),
  "openai-stream-current": wire("openai/chat-completion-stream-current.txt"),
  "anthropic-stream": wire("anthropic/message-stream.txt"),
  "anthropic-stream-error": wire("anthropic/message-stream-error.txt"),
};
for (const [name, text] of Object.entries(streams)) seed("sse_parser", name, text);
const sseCorners = {
  "bom-crlf": "\uFEFFevent: a\r\ndata: one\r\ndata: two\r\n\r\n",
  "cr-only": "data: x\rid: 7\r\rdata:y\r\r",
  "comments-retry": ": keep-alive\n\nretry: 1500\nretry: 12x\ndata\n\n",
  "id-nul": "id: a\0b\ndata: 1\n\nid\ndata: 2\n\n",
  "event-without-data": "event: ping\n\nevent: message\ndata: {}\n\n",
  "unterminated": "data: partial",
  "field-without-space": "data:no-space\ndata:  two-spaces\n:comment only\nunknown: field\n\n",
};
for (const [name, text] of Object.entries(sseCorners)) seed("sse_parser", name, text);

// --- OpenAI responses: success bodies and every error case ---
seed("openai_response", "chat-completion", wire("openai/chat-completion.json"));
seed("openai_response", "ollama-chat-completion", wire("ollama/chat-completion.json"));
seed("openai_response", "tool-calls", JSON.stringify({
  id: "chatcmpl-1", object: "chat.completion", model: "gpt-4o-mini",
  choices: [{ index: 0, finish_reason: "tool_calls", message: { role: "assistant", content: null,
    tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{\"sku\":\"A1\"}" } }] } }],
  usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19,
    prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 2 } },
}));
seed("openai_response", "content-parts", JSON.stringify({
  choices: [{ message: { content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }, finish_reason: "function_call" }],
}));
for (const error of JSON.parse(wire("openai/errors.json"))) {
  if (error.case.startsWith("sse_")) continue;
  seed("openai_response", `error-${error.case}`, httpInput(error.status, error.headers, errorBody(error)));
}
seed("openai_response", "error-retry-after-date",
  httpInput(503, { "retry-after": "Sun, 06 Nov 1994 08:49:37 GMT", "x-should-retry": "true" }, ""));

// --- Anthropic responses ---
seed("anthropic_response", "message", wire("anthropic/message.json"));
seed("anthropic_response", "tool-use", JSON.stringify({
  id: "msg_1", type: "message", role: "assistant", model: "claude-haiku-4-5", stop_reason: "tool_use",
  content: [{ type: "text", text: "Checking." }, { type: "tool_use", id: "toolu_1", name: "lookup", input: { sku: "A1" } }],
  usage: { input_tokens: 20, output_tokens: 9, cache_read_input_tokens: 5, cache_creation_input_tokens: 3 },
}));
for (const error of JSON.parse(wire("anthropic/errors.json"))) {
  if (error.case.startsWith("sse_")) {
    seed("anthropic_stream", error.case, error.sse);
    continue;
  }
  seed("anthropic_response", `error-${error.case}`, httpInput(error.status, error.headers, errorBody(error)));
}

// --- Streams through the decoders ---
seed("openai_stream", "stream", streams["openai-stream"]);
seed("openai_stream", "stream-current", streams["openai-stream-current"]);
const openaiMidstream = JSON.parse(wire("openai/errors.json")).find((e) => e.case === "sse_midstream_error");
seed("openai_stream", "midstream-error", openaiMidstream.sse);
seed("openai_stream", "tool-call-deltas", [
  { choices: [{ index: 0, delta: { role: "assistant", tool_calls: [{ index: 0, id: "call_1", function: { name: "lookup", arguments: "" } }] } }] },
  { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: "{\"sku\":" } }] } }] },
  { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: "\"A1\"}" } }] }, finish_reason: "tool_calls" }] },
  { choices: [], usage: { prompt_tokens: 9, completion_tokens: 4 } },
].map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join("") + "data: [DONE]\n\n");
seed("anthropic_stream", "stream", streams["anthropic-stream"]);
seed("anthropic_stream", "stream-error", streams["anthropic-stream-error"]);
seed("anthropic_stream", "tool-use-no-event-lines", [
  { type: "message_start", message: { id: "msg_1", model: "claude-haiku-4-5", usage: { input_tokens: 10, output_tokens: 1 } } },
  { type: "content_block_start", index: 0, content_block: { type: "tool_use", id: "toolu_1", name: "lookup", input: {} } },
  { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: "{\"sku\":\"A1\"}" } },
  { type: "content_block_stop", index: 0 },
  { type: "message_delta", delta: { stop_reason: "tool_use" }, usage: { output_tokens: 12 } },
  { type: "message_stop" },
].map((event) => `data: ${JSON.stringify(event)}\n\n`).join(""));

// --- Client requests to the gateway ---
seed("gateway_request", "chat-completion-request", wire("openai/chat-completion-request.json"));
seed("gateway_request", "stream-tools", JSON.stringify({
  model: "auto", stream: true, stream_options: { include_usage: true }, temperature: 0.2, top_p: 0.9,
  max_completion_tokens: 256, stop: ["\n\n", "END"], user: "u-1",
  tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
  messages: [
    { role: "developer", content: "Be brief." },
    { role: "user", name: "ann", content: [{ type: "text", text: "Is the lamp " }, { type: "text", text: "in stock?" }] },
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "lookup", arguments: "{\"sku\":\"A1\"}" } }] },
    { role: "tool", tool_call_id: "call_1", content: "3 left" },
  ],
}));
seed("gateway_request", "legacy-max-tokens-stop-string", JSON.stringify({
  model: "fast", max_tokens: 5, stop: "END", n: 1, messages: [{ role: "system", content: "x" }, { role: "user", content: "hi" }],
}));
seed("gateway_request", "refused-image-part", JSON.stringify({
  model: "gpt-4o", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/a.png" } }] }],
}));

// --- Configs ---
seed("config", "default-config", readFileSync(join(root, "resources/default-config.json"), "utf8"));
seed("config", "minimal", JSON.stringify({ version: 1, providers: [{ name: "openai", kind: "openai",
  base_url: "https://api.openai.com/v1", api_key: "${OPENAI_API_KEY}", default_model: "gpt-4o-mini" }] }));
seed("config", "demo-off-local", JSON.stringify({ version: 1, demo: { mode: "off" }, providers: [
  { name: "local", kind: "openai_compatible", base_url: "${LOCAL_URL:-http://127.0.0.1:11434/v1/}", default_model: "llama3.2",
    headers: { "X-Team": "a" }, concurrency: { min: 2, initial: 2, max: 8 } },
  { name: "claude", kind: "anthropic", base_url: "https://api.anthropic.com/v1", api_key: "${ANTHROPIC_API_KEY}",
    default_model: "claude-haiku-4-5" }] }));
seed("config", "redis-budgets", JSON.stringify({ version: 1,
  providers: [{ name: "openai", kind: "openai", base_url: "https://api.openai.com/v1", api_key: "${OPENAI_API_KEY}", default_model: "gpt-4o-mini" }],
  cache: { backend: "redis", redis: { password: "${REDIS_PASSWORD:-x}" } },
  budgets: [{ name: "daily openai", period: "daily", provider: "openai", limit_usd: 5, threshold: 0.5, action: "block" }] }));
