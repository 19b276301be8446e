// The official OpenAI SDK for Node against switchyard's front door: plain and streamed
// completions, a fallback seen in the headers, errors as the SDK's own classes, the key.
// Usage: node openai_sdk_test.cjs BASE_URL FAKE_PROVIDER_URL API_KEY
// ($SWITCHYARD_NODE_MODULES: the node_modules folder the SDK was installed into.)
const path = require('path');
const OpenAI = require(path.join(process.env.SWITCHYARD_NODE_MODULES, 'openai'));

const [baseURL, fake, apiKey] = process.argv.slice(2);
const { check, faulter, run } = require('./check.cjs');
const fault = faulter(fake);

async function main() {
  const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 20000 });
  const ask = { model: 'chat', messages: [{ role: 'user', content: 'hello' }], max_tokens: 32 };

  const plain = await client.chat.completions.create(ask);
  check(plain.object === 'chat.completion', 'a chat.completion object');
  check(plain.model === 'gpt-4o', `served by gpt-4o (${plain.model})`);
  check(plain.choices[0].message.content === 'Answer from gpt-4o to: hello', 'the answer');
  check(plain.choices[0].finish_reason === 'stop', 'finish_reason stop');
  check(plain.usage.total_tokens === plain.usage.prompt_tokens + plain.usage.completion_tokens,
        'usage adds up');

  const models = await client.models.list();
  check(models.data.map((m) => m.id).includes('chat'), 'models list the route');

  await fault('gpt-4o', 'mode=error&status=503');
  const { data: fell, response } = await client.chat.completions.create(ask).withResponse();
  check(fell.model === 'gpt-4o-mini', `fell back to gpt-4o-mini (${fell.model})`);
  check(response.headers.get('x-switchyard-fallbacks') === '1', 'x-switchyard-fallbacks: 1');
  check(response.headers.get('x-switchyard-model') === 'gpt-4o-mini', 'x-switchyard-model');
  check(Number(response.headers.get('x-switchyard-request-id')) > 0, 'x-switchyard-request-id');
  await fault('gpt-4o', 'mode=ok');

  const stream = await client.chat.completions.create(
      { ...ask, stream: true, stream_options: { include_usage: true } });
  let text = '', usage = null, finish = null, chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta.content || '';
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  check(chunks > 2, `the stream came in chunks (${chunks})`);
  check(text === 'Answer from gpt-4o to: hello', `the streamed text (${text})`);
  check(finish === 'stop', 'the stream ends with finish_reason stop');
  check(usage && usage.completion_tokens > 0, 'the usage chunk came');

  try {
    await client.chat.completions.create({ ...ask, model: 'nope' });
    check(false, 'an unknown route fails');
  } catch (e) {
    check(e instanceof OpenAI.NotFoundError, `an unknown route is the SDK's NotFoundError (${e.constructor.name})`);
    check(e.code === 'no_route', `code no_route (${e.code})`);
  }
  try {
    await client.chat.completions.create({ ...ask, n: 2 });
    check(false, 'n > 1 is refused');
  } catch (e) {
    check(e instanceof OpenAI.BadRequestError, `n > 1 is a BadRequestError (${e.constructor.name})`);
  }
  await fault('gpt-4o', 'mode=error&status=500');
  await fault('gpt-4o-mini', 'mode=error&status=500');
  await fault('claude-3-5-haiku-latest', 'mode=error&status=500');
  try {
    await client.chat.completions.create(ask);
    check(false, 'every tier failing fails');
  } catch (e) {
    check(e instanceof OpenAI.InternalServerError && e.status === 502,
          `all models failed is a 502 InternalServerError (${e.constructor.name} ${e.status})`);
    check(e.code === 'all_models_failed', `code all_models_failed (${e.code})`);
  }
  const wrong = new OpenAI({ baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
  try {
    await wrong.chat.completions.create(ask);
    check(false, 'a wrong key is refused');
  } catch (e) {
    check(e instanceof OpenAI.AuthenticationError, `a wrong key is an AuthenticationError (${e.constructor.name})`);
  }
}

run(main);
