// The official Anthropic TypeScript SDK, unchanged, pointed at Switchboard's POST /v1/messages:
// only the base URL and the key differ from calling Anthropic. Non-streaming and streaming, a
// tool round trip, the SDK's own error classes for our Anthropic-style errors, and the 400 for
// a missing max_tokens. Any provider may answer any request (the gateway translates), so every
// check holds whichever one answered.
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

const baseURL = process.env.SWITCHBOARD_URL; // without /v1: the SDK asks for /v1/messages
const apiKey = process.env.SWITCHBOARD_KEY;
assert.ok(baseURL && apiKey, 'SWITCHBOARD_URL and SWITCHBOARD_KEY must be set');
const client = new Anthropic({ baseURL, apiKey, maxRetries: 0 });
const ask = (text) => ({ model: 'auto', max_tokens: 256, messages: [{ role: 'user', content: text }] });
const textOf = (message) => message.content.filter((block) => block.type === 'text').map((block) => block.text).join('');
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

// The event order Anthropic streams in. Older SDK versions enforced it, and it is what any
// client may rely on: message_start first, blocks started at index 0, 1, … each closed before
// the next starts, deltas only for the open block, message_delta after the blocks, message_stop last.
const checkEventOrder = (events, final) => {
  const types = events.map((event) => event.type);
  assert.equal(types[0], 'message_start', `message_start first: ${types.join(' ')}`);
  assert.equal(types.at(-1), 'message_stop', `message_stop last: ${types.join(' ')}`);
  assert.equal(types.filter((type) => type === 'message_start').length, 1, 'one message_start');
  assert.equal(types.at(-2), 'message_delta', 'message_delta just before message_stop');
  assert.equal(events[0].message.role, 'assistant');
  let started = 0;
  let open = null;
  for (const event of events) {
    if (event.type === 'content_block_start') {
      assert.equal(open, null, `block ${event.index} starts while block ${open} is open`);
      assert.equal(event.index, started++, 'blocks start at index 0, 1, …');
      open = event.index;
    } else if (event.type === 'content_block_delta') {
      assert.equal(event.index, open, 'a delta for the open block');
    } else if (event.type === 'content_block_stop') {
      assert.equal(event.index, open, 'the open block stops');
      open = null;
    } else if (event.type === 'message_delta') {
      assert.equal(open, null, 'message_delta after the last block stopped');
      assert.ok(event.usage.output_tokens > 0, 'message_delta carries the output tokens');
    }
  }
  assert.ok(started > 0, 'at least one content block');
  // The SDK adds each started block to message_start's content, which must have been empty.
  assert.equal(final.content.length, started, 'the final content is the started blocks');
};

// Non-streaming, with the raw response for the request-id header.
const { data: message, request_id: requestId } = await client.messages
  .create({ ...ask('What are your opening hours on Sunday?'), system: 'You are a support agent.' })
  .withResponse();
assert.equal(message.type, 'message');
assert.equal(message.role, 'assistant');
assert.ok(message.id, 'a message id');
assert.equal(message.content[0]?.type, 'text');
assert.ok(message.content[0].text.length > 0, 'an answer');
assert.equal(message.stop_reason, 'end_turn');
assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0, 'usage');
assert.ok(requestId, 'request-id header');

// Tools, the whole round trip: the model asks for the tool, the assistant turn goes back exactly
// as the SDK returned it, then the tool's result, and the answer uses it (the simulator quotes a
// tool result: "The tool said: …").
const orderTool = {
  name: 'get_order_status',
  description: 'Look up the delivery status of an order.',
  input_schema: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
};
const checkToolUse = (block, where) => {
  assert.ok(block, `${where}: a tool_use block`);
  assert.ok(block.id, `${where}: a tool_use id`);
  assert.equal(block.name, 'get_order_status', `${where}: name`);
  assert.ok(isObject(block.input), `${where}: input is an object: ${JSON.stringify(block.input)}`);
};
const orderQuestion = { role: 'user', content: 'Where is my order 4711?' };
const toolTurn = await client.messages.create({ model: 'auto', max_tokens: 256, tools: [orderTool], messages: [orderQuestion] });
assert.equal(toolTurn.stop_reason, 'tool_use');
const toolUse = toolTurn.content.find((block) => block.type === 'tool_use');
checkToolUse(toolUse, 'tool call');
const toolAnswer = await client.messages.create({
  model: 'auto',
  max_tokens: 256,
  tools: [orderTool],
  messages: [
    orderQuestion,
    { role: 'assistant', content: toolTurn.content },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: 'shipped on Monday' }] },
  ],
});
assert.equal(toolAnswer.stop_reason, 'end_turn');
assert.ok(textOf(toolAnswer).includes('shipped on Monday'), `the answer uses the tool result: ${textOf(toolAnswer)}`);

// A streamed tool call through the SDK's MessageStream, which rebuilds the message from the
// events and parses the tool input from the input_json_delta pieces.
const toolStream = client.messages.stream({ ...ask('Has my order 4712 left the warehouse?'), tools: [orderTool] });
const jsonPieces = [];
toolStream.on('inputJson', (piece) => jsonPieces.push(piece));
const toolEvents = [];
for await (const event of toolStream) toolEvents.push(event);
const streamedToolTurn = await toolStream.finalMessage();
checkEventOrder(toolEvents, streamedToolTurn);
assert.equal(streamedToolTurn.stop_reason, 'tool_use');
const streamedToolUse = streamedToolTurn.content.find((block) => block.type === 'tool_use');
checkToolUse(streamedToolUse, 'streamed tool call');
const toolStart = toolEvents.find((event) => event.type === 'content_block_start' && event.content_block.type === 'tool_use');
assert.deepEqual(toolStart.content_block.input, {}, 'a tool_use block starts with an empty input');
assert.deepEqual(jsonPieces.join('') === '' ? {} : JSON.parse(jsonPieces.join('')), streamedToolUse.input,
                 'the input_json_delta pieces make up the input');

// A streamed text answer: the text events add up to the final message's text.
const textStream = client.messages.stream(ask('How do I reset my password?'));
const textPieces = [];
textStream.on('text', (piece) => textPieces.push(piece));
const textEvents = [];
for await (const event of textStream) textEvents.push(event);
const streamedMessage = await textStream.finalMessage();
checkEventOrder(textEvents, streamedMessage);
assert.ok(textPieces.length > 1, `streamed in pieces (${textPieces.length} text deltas)`);
assert.ok(textOf(streamedMessage).length > 0, 'streamed text');
assert.equal(textPieces.join(''), textOf(streamedMessage));
assert.equal(streamedMessage.stop_reason, 'end_turn');
assert.ok(streamedMessage.usage.input_tokens > 0 && streamedMessage.usage.output_tokens > 0, 'streamed usage');
assert.ok(textStream.request_id, 'request-id header on a stream');

// Our errors arrive as the SDK's own error classes, with Anthropic's error body
// ({type:'error', error:{type, message}}; the SDK keeps the body as `error` and its type as `type`).
const stranger = new Anthropic({ baseURL, apiKey: 'sk-sb-not-a-key', maxRetries: 0 });
await assert.rejects(stranger.messages.create(ask('hi')), (error) => {
  assert.ok(error instanceof Anthropic.AuthenticationError, `401 AuthenticationError, got ${error.constructor.name}: ${error.message}`);
  assert.equal(error.status, 401);
  assert.equal(error.error?.type, 'error');
  assert.equal(error.type, 'authentication_error');
  return true;
});
await assert.rejects(client.messages.create({ model: 'auto', max_tokens: 256, messages: [] }), (error) => {
  assert.ok(error instanceof Anthropic.BadRequestError, `400 BadRequestError, got ${error.constructor.name}: ${error.message}`);
  assert.equal(error.type, 'invalid_request_error');
  return true;
});

// max_tokens is required; the SDK's types insist on it, so this one goes without the SDK. It also
// sends the key the classic way, as x-api-key with the 2023-06-01 version (the SDK sends a bearer token).
const noMaxTokens = await fetch(`${baseURL}/v1/messages`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' },
  body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }),
});
const noMaxTokensBody = await noMaxTokens.json();
assert.equal(noMaxTokens.status, 400, JSON.stringify(noMaxTokensBody));
assert.equal(noMaxTokensBody.type, 'error');
assert.equal(noMaxTokensBody.error?.type, 'invalid_request_error');
assert.match(noMaxTokensBody.error.message, /max_tokens/);

console.log(`anthropic sdk ok: non-streaming ${message.usage.input_tokens}+${message.usage.output_tokens} tokens, ` +
            `tool round trip, streamed tool call (${toolEvents.length} events), streaming ${textPieces.length} text deltas ` +
            `(${textEvents.length} events), 401 and 400 as SDK errors, 400 for a missing max_tokens`);
