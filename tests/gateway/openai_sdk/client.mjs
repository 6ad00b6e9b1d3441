// The official OpenAI Node SDK, unchanged, pointed at Switchboard: only the base URL and
// the key differ from calling OpenAI. Streaming and non-streaming, the final usage chunk,
// tool calls (a whole round trip, streamed too), an image part, the Responses API (plain,
// with a function tool, streamed), embeddings (base64 and float), a file and a batch (passed
// through to OpenAI), the model list, and the SDK's own error classes for our
// OpenAI-style errors. Any provider may answer any request (the gateway translates), so
// every check holds whichever one answered.
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';

const baseURL = process.env.SWITCHBOARD_URL && `${process.env.SWITCHBOARD_URL}/v1`; // OpenAI's SDKs take the /v1
const apiKey = process.env.SWITCHBOARD_KEY;
assert.ok(baseURL && apiKey, 'SWITCHBOARD_URL and SWITCHBOARD_KEY must be set');
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const question = (text) => [{ role: 'system', content: 'You are a support agent.' }, { role: 'user', content: text }];
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

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

// Tools, the whole round trip: the model asks for the tool, the tool's result goes back in a
// tool message after the assistant message exactly as the SDK returned it, and the answer uses it
// (the simulator quotes a tool result: "The tool said: …").
const orderTool = {
  type: 'function',
  function: {
    name: 'get_order_status',
    description: 'Look up the delivery status of an order.',
    parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
  },
};
const checkOrderCall = (call, where) => {
  assert.ok(call.id, `${where}: a tool call id`);
  assert.equal(call.type, 'function', `${where}: type`);
  assert.equal(call.function.name, 'get_order_status', `${where}: name`);
  assert.ok(isObject(JSON.parse(call.function.arguments)), `${where}: arguments are a JSON object: ${call.function.arguments}`);
};
const orderQuestion = question('Where is my order 4711?');
const toolTurn = await client.chat.completions.create({ model: 'auto', messages: orderQuestion, tools: [orderTool] });
assert.equal(toolTurn.choices[0].finish_reason, 'tool_calls');
const toolCalls = toolTurn.choices[0].message.tool_calls;
assert.equal(toolCalls?.length, 1, `one tool call: ${JSON.stringify(toolTurn.choices[0].message)}`);
checkOrderCall(toolCalls[0], 'chat tool call');
const toolAnswer = await client.chat.completions.create({
  model: 'auto',
  messages: [
    ...orderQuestion,
    toolTurn.choices[0].message,
    { role: 'tool', tool_call_id: toolCalls[0].id, content: 'shipped on Monday' },
  ],
  tools: [orderTool],
});
assert.equal(toolAnswer.choices[0].finish_reason, 'stop');
assert.ok(toolAnswer.choices[0].message.content.includes('shipped on Monday'),
          `the answer uses the tool result: ${toolAnswer.choices[0].message.content}`);

// Streamed tool calls through the SDK's stream helper, which rebuilds the completion from the
// chunks and throws on a missing role, finish_reason, tool call type, name or arguments.
const toolStream = client.chat.completions.stream({
  model: 'auto',
  messages: question('Has my order 4712 left the warehouse?'),
  tools: [orderTool],
});
const argumentsDone = [];
toolStream.on('tool_calls.function.arguments.done', (event) => argumentsDone.push(event));
const streamedToolTurn = await toolStream.finalChatCompletion();
assert.equal(streamedToolTurn.choices.length, 1);
assert.equal(streamedToolTurn.choices[0].finish_reason, 'tool_calls');
assert.equal(streamedToolTurn.choices[0].message.tool_calls?.length, 1, 'one streamed tool call');
checkOrderCall(streamedToolTurn.choices[0].message.tool_calls[0], 'streamed tool call');
assert.equal(argumentsDone.length, 1, 'one tool_calls.function.arguments.done event');
assert.equal(argumentsDone[0].arguments, streamedToolTurn.choices[0].message.tool_calls[0].function.arguments);

// The same as raw chunks, reassembled by hand: a call's first delta carries its id, type and
// name, later ones add argument pieces under the same index.
const rawToolStream = await client.chat.completions.create({
  model: 'auto',
  messages: question('Can you check on order 4713 for me?'),
  tools: [orderTool],
  stream: true,
});
const assembled = [];
let toolChunks = 0;
let toolRole = null;
let toolFinish = null;
for await (const chunk of rawToolStream) {
  for (const choice of chunk.choices) {
    assert.equal(choice.index, 0, 'one choice');
    if (toolChunks === 0) toolRole = choice.delta?.role ?? null;
    toolChunks += 1;
    for (const delta of choice.delta?.tool_calls ?? []) {
      const known = assembled[delta.index];
      if (!known) {
        assert.equal(delta.index, assembled.length, 'tool call indexes count up from 0');
        assembled.push({ id: delta.id, type: delta.type, function: { name: delta.function?.name, arguments: '' } });
      } else {
        // A later delta may repeat the identity, never change it.
        if (delta.id) assert.equal(delta.id, known.id, 'a tool call keeps its id');
        if (delta.function?.name) assert.equal(delta.function.name, known.function.name, 'a tool call keeps its name');
      }
      assembled[delta.index].function.arguments += delta.function?.arguments ?? '';
    }
    toolFinish = choice.finish_reason ?? toolFinish;
  }
}
assert.equal(toolRole, 'assistant', 'the first delta carries the role');
assert.equal(toolFinish, 'tool_calls');
assert.equal(assembled.length, 1, `one reassembled tool call: ${JSON.stringify(assembled)}`);
checkOrderCall(assembled[0], 'reassembled tool call');

// An image part: answered like any question, and its tokens are counted.
const tinyPng = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=='; // 1x1 PNG
const parcelText = { type: 'text', text: 'What is in this photo of my parcel?' };
const withImage = await client.chat.completions.create({
  model: 'auto',
  messages: [{ role: 'user', content: [parcelText, { type: 'image_url', image_url: { url: `data:image/png;base64,${tinyPng}` } }] }],
});
const withoutImage = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: [parcelText] }] });
assert.equal(withImage.choices[0].finish_reason, 'stop');
assert.ok(withImage.choices[0].message.content.length > 0, 'an answer about the image');
assert.ok(withImage.usage.prompt_tokens > withoutImage.usage.prompt_tokens,
          `the image counts: ${withImage.usage.prompt_tokens} vs ${withoutImage.usage.prompt_tokens} prompt tokens without it`);

// The Responses API, plain. output_text is the SDK's join of the output_text parts.
const reply = await client.responses.create({ model: 'auto', input: 'What are your opening hours on Saturday?' });
assert.equal(reply.object, 'response');
assert.equal(reply.status, 'completed');
assert.ok(reply.output_text.length > 0, 'output_text');
assert.ok(reply.usage.input_tokens > 0 && reply.usage.output_tokens > 0, 'Responses usage');
assert.equal(reply.usage.total_tokens, reply.usage.input_tokens + reply.usage.output_tokens);

// The Responses API with a function tool: a function_call item, then its output sent back after
// the previous input and output items (no previous_response_id), and an answer that uses it.
const responsesTool = {
  type: 'function',
  name: 'get_order_status',
  description: 'Look up the delivery status of an order.',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
  strict: false,
};
const checkFunctionCall = (item, where) => {
  assert.ok(item, `${where}: a function_call output item`);
  assert.ok(item.call_id, `${where}: call_id`);
  assert.equal(item.name, 'get_order_status', `${where}: name`);
  assert.ok(isObject(JSON.parse(item.arguments)), `${where}: arguments are a JSON object: ${item.arguments}`);
};
const responsesQuestion = [{ role: 'user', content: 'Where is my order 4714?' }];
const functionTurn = await client.responses.create({ model: 'auto', input: responsesQuestion, tools: [responsesTool] });
assert.equal(functionTurn.status, 'completed');
const functionCall = functionTurn.output.find((item) => item.type === 'function_call');
checkFunctionCall(functionCall, 'Responses function call');
const functionAnswer = await client.responses.create({
  model: 'auto',
  input: [
    ...responsesQuestion,
    ...functionTurn.output,
    { type: 'function_call_output', call_id: functionCall.call_id, output: 'shipped on Monday' },
  ],
  tools: [responsesTool],
});
assert.equal(functionAnswer.status, 'completed');
assert.ok(functionAnswer.output_text.includes('shipped on Monday'), `the answer uses the function output: ${functionAnswer.output_text}`);

// The Responses API streamed through the SDK's helper. Beyond what it checks itself, the order
// newer SDK versions enforce: sequence numbers increase, output items are added at index 0, 1, …
const checkResponseEvents = (events) => {
  assert.equal(events[0]?.type, 'response.created', 'response.created comes first');
  assert.equal(events.at(-1).type, 'response.completed', 'response.completed comes last');
  let items = 0;
  events.forEach((event, i) => {
    assert.ok(Number.isSafeInteger(event.sequence_number), `${event.type}: sequence_number`);
    if (i > 0) assert.ok(event.sequence_number > events[i - 1].sequence_number, `${event.type}: sequence_number increases`);
    if (event.type === 'response.output_item.added') assert.equal(event.output_index, items++, 'output items are appended in order');
  });
};
const responseStream = client.responses.stream({ model: 'auto', input: 'How do I change my delivery address?' });
const responseEvents = [];
for await (const event of responseStream) responseEvents.push(event);
const streamedReply = await responseStream.finalResponse();
checkResponseEvents(responseEvents);
const textDeltas = responseEvents.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta);
assert.ok(textDeltas.length > 1, `text streamed in pieces (${textDeltas.length} deltas)`);
assert.equal(streamedReply.status, 'completed');
assert.equal(streamedReply.output_text, textDeltas.join(''));
assert.equal(responseEvents.find((event) => event.type === 'response.output_text.done')?.text, textDeltas.join(''));
assert.ok(streamedReply.usage.total_tokens > 0, 'streamed Responses usage');

// The Responses API streaming a function call: the argument deltas name the item by its id.
const functionStream = client.responses.stream({
  model: 'auto',
  input: [{ role: 'user', content: 'Has my order 4715 been delivered?' }],
  tools: [responsesTool],
});
const functionEvents = [];
for await (const event of functionStream) functionEvents.push(event);
const streamedFunctionTurn = await functionStream.finalResponse();
checkResponseEvents(functionEvents);
const streamedCall = streamedFunctionTurn.output.find((item) => item.type === 'function_call');
checkFunctionCall(streamedCall, 'streamed Responses function call');
assert.ok(streamedCall.id, 'the function_call item has an id');
const argumentDeltas = functionEvents.filter((event) => event.type === 'response.function_call_arguments.delta');
assert.ok(argumentDeltas.every((event) => event.item_id === streamedCall.id), 'argument deltas name the function_call item');
assert.equal(argumentDeltas.map((event) => event.delta).join(''), streamedCall.arguments);

// Embeddings: unless told otherwise the SDK asks for base64 and decodes the floats itself.
const embedded = await client.embeddings.create({
  model: 'text-embedding-3-small',
  input: ['cancel my order please', 'please cancel my order now', 'what is the warranty on the desk lamp'],
});
assert.equal(embedded.data.length, 3);
const [orderVector, sameOrderVector, lampVector] = embedded.data.map((item) => item.embedding);
const dot = (a, b) => a.reduce((sum, x, i) => sum + x * b[i], 0);
assert.ok(Array.isArray(orderVector) && typeof orderVector[0] === 'number', 'decoded to floats');
assert.ok(Math.abs(dot(orderVector, orderVector) - 1) < 1e-4, 'unit length');
assert.ok(dot(orderVector, sameOrderVector) > dot(orderVector, lampVector), 'texts sharing words lie nearer');
assert.ok(embedded.usage.prompt_tokens > 0, 'embedding usage');
const floats = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'cancel my order please', encoding_format: 'float' });
assert.ok(floats.data[0].embedding.every((x, i) => Math.abs(x - orderVector[i]) < 1e-6), 'float and base64 agree');

// Files and the Batch API pass through to the OpenAI provider (in demo mode, the simulator).
const batchLines = [1, 2].map((i) => JSON.stringify({
  custom_id: `question-${i}`,
  method: 'POST',
  url: '/v1/chat/completions',
  body: { model: 'gpt-4o-mini', messages: question(`Is item ${i} in stock?`) },
}));
const batchFile = await client.files.create({
  file: await toFile(Buffer.from(batchLines.join('\n') + '\n'), 'questions.jsonl'),
  purpose: 'batch',
});
assert.equal(batchFile.object, 'file');
assert.equal(batchFile.purpose, 'batch');
assert.ok(batchFile.bytes > 0, 'uploaded bytes');
const batch = await client.batches.create({ input_file_id: batchFile.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
assert.equal(batch.object, 'batch');
assert.equal(batch.input_file_id, batchFile.id);
let polled = await client.batches.retrieve(batch.id);
for (let waited = 0; polled.status !== 'completed' && waited < 30000; waited += 250) {
  assert.ok(['validating', 'in_progress', 'finalizing'].includes(polled.status), `batch status ${polled.status}`);
  await new Promise((resolve) => setTimeout(resolve, 250));
  polled = await client.batches.retrieve(batch.id);
}
assert.equal(polled.id, batch.id);
assert.equal(polled.status, 'completed');
assert.equal(polled.request_counts.total, 2);
// Every line is in the output file (answered) or the error file (failed by the demo's error mix).
const resultLines = async (fileId) =>
  fileId ? (await (await client.files.content(fileId)).text()).trim().split('\n').map((line) => JSON.parse(line)) : [];
const answered = await resultLines(polled.output_file_id);
const failed = await resultLines(polled.error_file_id);
assert.deepEqual([...answered, ...failed].map((line) => line.custom_id).sort(), ['question-1', 'question-2']);
assert.ok(answered.every((line) => line.response.status_code === 200 && line.response.body.object === 'chat.completion'));

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
            `(${usage.total_tokens} tokens), tool round trip, streamed tool calls (${toolChunks} chunks), ` +
            `image +${withImage.usage.prompt_tokens - withoutImage.usage.prompt_tokens} prompt tokens, ` +
            `responses (${reply.usage.total_tokens} tokens, function round trip, ${responseEvents.length} + ` +
            `${functionEvents.length} streamed events), ${embedded.data.length} embeddings, batch ${polled.status}, ${models.length} models, 401 and 400 as SDK errors`);
