// The official OpenAI SDK for Node using the whole chat surface through switchyard's front
// door: a two-turn tool conversation, the same streamed (with the SDK's stream helper),
// parallel calls, a json_schema answer read by the SDK's parse helper, and an image. Each
// runs twice: served by the OpenAI primary, then with the OpenAI tiers failing so that the
// Anthropic tier serves; the shapes the SDK sees must not tell the two apart.
// Usage: node openai_sdk_tools_test.cjs BASE_URL FAKE_PROVIDER_URL API_KEY
const path = require('path');
const OpenAI = require(path.join(process.env.SWITCHYARD_NODE_MODULES, 'openai'));

const [baseURL, fake, apiKey] = process.argv.slice(2);
const { check, faulter, run } = require('./check.cjs');
const fault = faulter(fake);

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object', properties: { city: { type: 'string' } },
      required: ['city'], additionalProperties: false,
    },
    strict: true,
  },
};
const time = {
  type: 'function',
  function: {
    name: 'get_time',
    parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
  },
};

async function conversation(client, who, expectModel) {
  const messages = [{ role: 'user', content: 'weather in Paris?' }];
  const first = await client.chat.completions.create(
      { model: 'chat', max_tokens: 64, messages, tools: [weather] });
  const msg = first.choices[0].message;
  check(first.model === expectModel, `${who}: served by ${expectModel} (${first.model})`);
  check(first.choices[0].finish_reason === 'tool_calls', `${who}: finish_reason tool_calls`);
  check(msg.tool_calls && msg.tool_calls.length === 1, `${who}: one tool call`);
  const call = msg.tool_calls[0];
  check(call.type === 'function' && call.function.name === 'get_weather', `${who}: the call names get_weather`);
  check(typeof call.function.arguments === 'string' &&
        JSON.parse(call.function.arguments).city === 'fake', `${who}: arguments are a JSON string`);
  messages.push(msg);
  messages.push({ role: 'tool', tool_call_id: call.id, content: '18C and sunny' });
  const second = await client.chat.completions.create(
      { model: 'chat', max_tokens: 64, messages, tools: [weather] });
  check(second.choices[0].finish_reason === 'stop', `${who}: the second turn answers`);
  check(second.choices[0].message.content.includes('[tool results: 18C and sunny]'),
        `${who}: the tool's result reached the model (${second.choices[0].message.content})`);
}

async function streamed(client, who, expectModel) {
  // The SDK's stream helper assembles the calls from their deltas.
  const runner = client.beta.chat.completions.stream({
    model: 'chat', max_tokens: 64, messages: [{ role: 'user', content: 'weather and time?' }],
    tools: [weather, time],
  });
  let deltas = 0;
  runner.on('chunk', (c) => { for (const ch of c.choices) if (ch.delta.tool_calls) deltas++; });
  const done = await runner.finalChatCompletion();
  const calls = done.choices[0].message.tool_calls || [];
  check(done.model === expectModel, `${who}: the stream came from ${expectModel} (${done.model})`);
  check(deltas >= 4, `${who}: tool calls came in pieces (${deltas})`);
  check(calls.length === 2, `${who}: two parallel calls assembled (${calls.length})`);
  check(calls.length === 2 && calls[0].function.name === 'get_weather' &&
        calls[1].function.name === 'get_time', `${who}: in order`);
  check(calls.length === 2 && JSON.parse(calls[1].function.arguments).tz === 'fake',
        `${who}: the second call's arguments`);
  check(done.choices[0].finish_reason === 'tool_calls', `${who}: the stream ends with tool_calls`);
}

async function structured(client, who, expectModel) {
  const completion = await client.beta.chat.completions.parse({
    model: 'chat', max_tokens: 64, messages: [{ role: 'user', content: 'rate it' }],
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'Rating', strict: true,
        schema: {
          type: 'object', properties: { rating: { type: 'integer' }, why: { type: 'string' } },
          required: ['rating', 'why'], additionalProperties: false,
        },
      },
    },
  });
  const parsed = completion.choices[0].message.parsed;
  check(completion.model === expectModel, `${who}: json_schema served by ${expectModel}`);
  check(parsed && parsed.rating === 1 && parsed.why === 'fake',
        `${who}: the parse helper read the answer (${JSON.stringify(parsed)})`);
}

async function image(client, who, expectModel) {
  const r = await client.chat.completions.create({
    model: 'chat', max_tokens: 32,
    messages: [{
      role: 'user', content: [
        { type: 'text', text: 'what is it?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
      ],
    }],
  });
  check(r.model === expectModel, `${who}: the image went to ${expectModel} (${r.model})`);
  check(r.choices[0].message.content.includes('[1 image(s)]'), `${who}: the model saw the image`);
}

async function main() {
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 20000 });
  for (const [who, down, expectModel] of [['openai', false, 'gpt-4o'],
                                          ['anthropic', true, 'claude-haiku']]) {
    const mode = down ? 'mode=error&status=503' : 'mode=ok';
    await fault('gpt-4o', mode + '&tool_calls=2');
    await fault('gpt-4o-mini', mode);
    await fault('claude-3-5-haiku-latest', 'tool_calls=2');
    // Plain calls make one call; the parallel case asks for two.
    await fault('gpt-4o', mode);
    await fault('claude-3-5-haiku-latest', 'mode=ok');
    await conversation(client, who, expectModel);
    await fault('gpt-4o', mode + '&tool_calls=2');
    await fault('claude-3-5-haiku-latest', 'tool_calls=2');
    await streamed(client, who, expectModel);
    await structured(client, who, expectModel);
    await image(client, who, expectModel);
  }
}

run(main);
