// A chat call and a streamed chat call with OpenAI's official Node client, written as an OpenAI user writes them.
const OpenAI = require('openai');
const [baseURL, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey: 'not-needed-locally' });
(async () => {
  const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }];
  const completion = await client.chat.completions.create({ model, messages, max_tokens: 6, seed: 3 });
  let streamed = '';
  const stream = await client.chat.completions.create({ model, messages, max_tokens: 6, seed: 3, stream: true });
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
  const models = await client.models.list();
  console.log(JSON.stringify({
    text: completion.choices[0].message.content, streamed, finish: completion.choices[0].finish_reason,
    usage: completion.usage, models: models.data.map(m => m.id),
  }));
})().catch(e => { console.error(String(e)); process.exit(1); });
