// The official openai npm client against the Meridian gateway (issue 10). Run by GatewayHostTest:
//   node openai-client.mjs BASE_URL   (BASE_URL like http://127.0.0.1:PORT/v1; openai@6 installed beside it)
// Prints one line per check, "ok NAME" or "FAIL NAME: why"; exits 1 on any failure.
import OpenAI from "openai";

const base = process.argv[2];
const client = new OpenAI({ baseURL: base, apiKey: "unused-on-loopback", maxRetries: 0, timeout: 60000 });
let failed = 0;
const check = async (name, body) => {
  try {
    await body();
    console.log("ok " + name);
  } catch (e) {
    failed++;
    console.log("FAIL " + name + ": " + (e && e.stack ? e.stack : e));
  }
};
const expect = (condition, what) => { if (!condition) throw new Error(what); };

await check("non-streaming completion", async () => {
  const answer = await client.chat.completions.create({ model: "meridian", max_tokens: 16,
    messages: [{ role: "user", content: "Once upon a time" }] });
  expect(answer.object === "chat.completion", "object " + answer.object);
  expect(answer.choices[0].message.content.length > 0, "empty content");
  expect(answer.model === "stories260K", "model " + answer.model);
  expect(answer.meridian.provider === "local" && answer.meridian.region === "CN", JSON.stringify(answer.meridian));
  expect(answer.usage.completion_tokens > 0, "no usage");
});

await check("streaming completion", async () => {
  const stream = await client.chat.completions.create({ model: "meridian", max_tokens: 12, stream: true,
    stream_options: { include_usage: true }, messages: [{ role: "user", content: "Once upon a time" }] });
  let text = "", usage = null, finish = null;
  for await (const chunk of stream) {
    if (chunk.choices.length > 0) {
      text += chunk.choices[0].delta.content || "";
      finish = chunk.choices[0].finish_reason || finish;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  expect(text.length > 0, "no text");
  expect(finish === "length" || finish === "stop", "finish " + finish);
  expect(usage && usage.completion_tokens > 0, "no usage chunk");
});

await check("aborted stream stops the engine", async () => {
  const controller = new AbortController();
  const stream = await client.chat.completions.create({ model: "meridian", max_tokens: 3000, stream: true,
    messages: [{ role: "user", content: "Once upon a time" }] }, { signal: controller.signal });
  let chunks = 0;
  try {
    for await (const chunk of stream) {
      if (++chunks === 3) controller.abort();
    }
  } catch (e) {
    expect(e.name === "AbortError" || e instanceof OpenAI.APIUserAbortError, "unexpected " + e);
  }
  const page = base.replace(/\/v1$/, "") + "/meridian/status.json";
  let inFlight = 1;
  for (let i = 0; i < 100 && inFlight > 0; i++) {
    await new Promise(r => setTimeout(r, 50));
    const status = await (await fetch(page)).json();
    inFlight = status.providers.find(p => p.id === "local").in_flight;
  }
  expect(inFlight === 0, "the local engine is still generating after the abort");
});

await check("models list", async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  expect(ids.includes("meridian") && ids.includes("stories260K"), "models " + ids);
  expect(!ids.includes("gpt-4o-mini"), "a model outside the region is listed: " + ids);
});

await check("model outside the region is an APIError 503", async () => {
  try {
    await client.chat.completions.create({ model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }] });
    throw new Error("no error");
  } catch (e) {
    expect(e instanceof OpenAI.APIError, "not an APIError: " + e);
    expect(e.status === 503, "status " + e.status);
    expect(e.code === "region_blocked", "code " + e.code);
  }
});

console.log(failed === 0 ? "all passed" : failed + " failed");
process.exit(failed === 0 ? 0 : 1);
