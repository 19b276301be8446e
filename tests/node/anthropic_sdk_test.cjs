// The official Anthropic SDK for Node through switchyard's /v1/messages door: a message, a
// stream read with the SDK's stream helper, a two-turn tool conversation and an image, each
// served three ways: by the Anthropic tier first in its route, by an OpenAI tier when the
// Anthropic tier answers 529, and by a route whose OpenAI tier comes first. The shapes the SDK
// sees must not tell them apart. Then the SDK's error classes for 400, 401, 404 and 529.
// Usage: node anthropic_sdk_test.cjs BASE_URL FAKE_PROVIDER_URL API_KEY
const path = require('path');
const Anthropic = require(path.join(process.env.SWITCHYARD_NODE_MODULES, '@anthropic-ai/sdk'));

const [baseURL, fake, apiKey] = process.argv.slice(2);
const { check, faulter, run } = require('./check.cjs');
const fault = faulter(fake);

const weather = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: {
    type: 'object', properties: { city: { type: 'string' } }, required: ['city'],
  },
};

async function message(client, who, route, expectModel) {
  const m = await client.messages.create({
    model: route, max_tokens: 64, system: 'Be brief.',
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  check(m.type === 'message' && m.role === 'assistant', `${who}: a message object`);
  check(m.model === expectModel, `${who}: served by ${expectModel} (${m.model})`);
  check(m.content.length === 1 && m.content[0].type === 'text' && m.content[0].text.length > 0,
        `${who}: one text block`);
  check(m.stop_reason === 'end_turn', `${who}: stop_reason end_turn (${m.stop_reason})`);
  check(m.usage.input_tokens > 0 && m.usage.output_tokens > 0, `${who}: usage`);
}

async function streamed(client, who, route, expectModel) {
  const stream = client.messages.stream({
    model: route, max_tokens: 64, messages: [{ role: 'user', content: 'Tell me a story' }],
  });
  let text = '';
  let events = 0;
  stream.on('text', (t) => { text += t; });
  stream.on('streamEvent', () => { events++; });
  const final = await stream.finalMessage();
  check(final.model === expectModel, `${who}: the stream came from ${expectModel} (${final.model})`);
  check(text.length > 0 && final.content[0].text === text,
        `${who}: the text events add up to the final message`);
  check(events >= 5, `${who}: a stream of events (${events})`);
  check(final.stop_reason === 'end_turn', `${who}: the stream ends with end_turn`);
  check(final.usage.output_tokens > 0, `${who}: the stream's usage`);
}

async function tools(client, who, route, expectModel) {
  const messages = [{ role: 'user', content: 'weather in Paris?' }];
  const first = await client.messages.create(
      { model: route, max_tokens: 64, messages, tools: [weather] });
  check(first.model === expectModel, `${who}: the call made by ${expectModel} (${first.model})`);
  check(first.stop_reason === 'tool_use', `${who}: stop_reason tool_use (${first.stop_reason})`);
  const use = first.content.find((b) => b.type === 'tool_use');
  check(use && use.name === 'get_weather' && use.input && use.input.city === 'fake',
        `${who}: a tool_use block with its input object (${JSON.stringify(use)})`);
  if (!use) return;
  messages.push({ role: 'assistant', content: first.content });
  messages.push({ role: 'user', content: [
    { type: 'tool_result', tool_use_id: use.id, content: '18C and sunny' }] });
  const second = await client.messages.create(
      { model: route, max_tokens: 64, messages, tools: [weather] });
  check(second.stop_reason === 'end_turn', `${who}: the second turn answers`);
  check(second.content[0].text.includes('[tool results: 18C and sunny]'),
        `${who}: the tool's result reached the model (${second.content[0].text})`);

  // The same call streamed: the helper assembles the input from input_json_delta pieces.
  const stream = client.messages.stream(
      { model: route, max_tokens: 64, messages: messages.slice(0, 1), tools: [weather] });
  let pieces = 0;
  stream.on('inputJson', () => { pieces++; });
  const final = await stream.finalMessage();
  const streamedUse = final.content.find((b) => b.type === 'tool_use');
  check(streamedUse && streamedUse.input.city === 'fake' && pieces >= 1,
        `${who}: a streamed tool_use assembled (${JSON.stringify(streamedUse)}, ${pieces} pieces)`);
  check(final.stop_reason === 'tool_use', `${who}: the streamed call ends with tool_use`);
}

async function image(client, who, route, expectModel) {
  const m = await client.messages.create({
    model: route, max_tokens: 32,
    messages: [{
      role: 'user', content: [
        { type: 'text', text: 'what is it?' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      ],
    }],
  });
  check(m.model === expectModel, `${who}: the image went to ${expectModel} (${m.model})`);
  check(m.content[0].text.includes('[1 image(s)]'), `${who}: the model saw the image`);
}

async function errors(client) {
  const expect = async (what, cls, status, call) => {
    try {
      await call();
      check(false, `${what}: refused`);
    } catch (e) {
      check(e instanceof cls && e.status === status,
            `${what}: ${cls.name} ${status} (${e.constructor.name} ${e.status})`);
      return e;
    }
  };
  await expect('a request without messages', Anthropic.BadRequestError, 400,
               () => client.messages.create({ model: 'chat', max_tokens: 8 }));
  const wrong = new Anthropic({ baseURL, apiKey: 'wrong', maxRetries: 0 });
  await expect('a wrong key', Anthropic.AuthenticationError, 401, () => wrong.messages.create(
      { model: 'chat', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }));
  await expect('a route that does not exist', Anthropic.NotFoundError, 404,
               () => client.messages.create(
                   { model: 'nope', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }));
  for (const m of ['gpt-4o', 'gpt-4o-mini', 'claude-3-5-haiku-latest']) {
    await fault(m, 'mode=error&status=529');
  }
  const e = await expect('every tier overloaded', Anthropic.InternalServerError, 529,
                         () => client.messages.create(
                             { model: 'chat', max_tokens: 8,
                               messages: [{ role: 'user', content: 'hi' }] }));
  check(e && e.error && e.error.error && e.error.error.type === 'overloaded_error',
        `the 529 says overloaded_error (${JSON.stringify(e && e.error)})`);
}

async function main() {
  const client = new Anthropic({ baseURL, apiKey, maxRetries: 0, timeout: 20000 });
  const ways = [
    ['anthropic first', 'claude', 'claude-haiku', 'mode=ok'],
    ['anthropic 529', 'claude', 'gpt-4o', 'mode=error&status=529'],
    ['openai first', 'chat', 'gpt-4o', 'mode=ok'],
  ];
  for (const [who, route, expectModel, claudeFault] of ways) {
    await fault('gpt-4o', 'mode=ok');
    await fault('claude-3-5-haiku-latest', claudeFault);
    await message(client, who, route, expectModel);
    await streamed(client, who, route, expectModel);
    await tools(client, who, route, expectModel);
    await image(client, who, route, expectModel);
  }
  await errors(client);
}

run(main);
