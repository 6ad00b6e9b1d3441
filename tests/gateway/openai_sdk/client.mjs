// The official OpenAI Node SDK, unchanged, pointed at Switchboard: only the base URL and
// the key differ from calling OpenAI. Streaming and non-streaming, the final usage chunk,
// the model list, and the SDK's own error classes for our OpenAI-style errors.
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.SWITCHBOARD_URL;
const apiKey = process.env.SWITCHBOARD_KEY;
assert.ok(baseURL && apiKey, 'SWITCHBOARD_URL and SWITCHBOARD_KEY must be set');
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const question = (text) => [{ role: 'system', content: 'You are a support agent.' }, { role: 'user', content: text }];

// Non-streaming, with the raw response for our headers.
const { data: completion, response } = await client.chat.completions
  .create({ model: 'auto', messages: question('What are your opening hours on Sunday?') })
  .withResponse();
assert.equal(completion.object, 'chat.completion');
assert.ok(completion.choices[0].message.content.length > 0, 'an answer');
assert.equal(completion.choices[0].finish_reason, 'stop');
assert.ok(completion.usage.prompt_tokens > 0 && completion.usage.completion_tokens > 0, 'usage');
assert.ok(response.headers.get('x-request-id'), 'x-request-id header');
assert.ok(response.headers.get('x-switchboard-provider'), 'x-switchboard-provider header');

// Streaming with the final usage chunk.
const stream = await client.chat.completions.create({
  model: 'auto',
  messages: question('How do I reset my password?'),
  stream: true,
  stream_options: { include_usage: true },
});
let text = '';
let finish = null;
let usage = null;
let chunks = 0;
for await (const chunk of stream) {
  chunks += 1;
  assert.equal(chunk.object, 'chat.completion.chunk');
  if (chunk.choices.length > 0) {
    text += chunk.choices[0].delta?.content ?? '';
    finish = chunk.choices[0].finish_reason ?? finish;
  }
  if (chunk.usage) usage = chunk.usage;
}
assert.ok(chunks > 2, `streamed in pieces (${chunks} chunks)`);
assert.ok(text.length > 0, 'streamed text');
assert.equal(finish, 'stop');
assert.ok(usage && usage.completion_tokens > 0, 'final usage chunk');

// The model list names the tiers.
const models = [];
for await (const model of client.models.list()) models.push(model.id);
assert.ok(models.includes('auto'), `models: ${models.join(', ')}`);

// Our errors arrive as the SDK's own error classes.
const stranger = new OpenAI({ baseURL, apiKey: 'sk-sb-not-a-key', maxRetries: 0 });
await assert.rejects(stranger.chat.completions.create({ model: 'auto', messages: question('hi') }), (error) => {
  assert.ok(error instanceof OpenAI.AuthenticationError, `401 AuthenticationError, got ${error.constructor.name}`);
  assert.equal(error.status, 401);
  return true;
});
await assert.rejects(client.chat.completions.create({ model: 'auto', messages: [] }), (error) => {
  assert.ok(error instanceof OpenAI.BadRequestError, `400 BadRequestError, got ${error.constructor.name}`);
  return true;
});

console.log(`openai sdk ok: non-streaming ${completion.usage.total_tokens} tokens, streaming ${chunks} chunks ` +
            `(${usage.total_tokens} tokens), ${models.length} models, 401 and 400 as SDK errors`);
