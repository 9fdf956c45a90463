// Clients of a real gateway process: the official `openai` client streaming through the pass-through, and matrix submit/status/results.
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats } from "../runtime/adapter/nats.ts";
import { openRegistryBucket, startSimServer, type SimServer } from "../services/mod.ts";
import { coralTasks, exactlyOnce, startAgents, stopAgents, type AgentProcess } from "./helpers/agents.ts";
import { readJsonl, runMatrix, tempDir, writeJsonl } from "./helpers/cli.ts";
import { coralRows, startGatewayProcess, type GatewayProcess } from "./helpers/gateway.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

const TOKEN = "client-test-token-42";
let server: NatsServer;
let staticSim: SimServer;
let registeredSim: SimServer;
let agents: AgentProcess[] = [];
let gateway: GatewayProcess;
const dir = tempDir();

beforeAll(async () => {
  server = await startNatsServer();
  staticSim = await startSimServer({ options: { time_scale: 50 } });
  registeredSim = await startSimServer({ options: { time_scale: 50, model: "llama-8b" } });
  // A replica in the service registry, as a service manager registers it.
  const nc = await connectNats(server.url);
  const kv = await openRegistryBucket(nc, { namespace: "mx" });
  const entry = { service: "llama", model: "llama-8b", url: registeredSim.url, replica: "r0", engine: "sim", host: "127.0.0.1", started: new Date().toISOString(), load: 0, heartbeat_ms: 60_000 };
  await kv.put("llama.r0", JSON.stringify(entry));
  await nc.close();
  [agents, gateway] = await Promise.all([
    startAgents(server.url, 1, ["--workflows", "coral"]),
    startGatewayProcess(server.url, ["--llm-url", staticSim.url, "--progress-ms", "200"], { env: { MATRIX_GATEWAY_TOKENS: TOKEN } }),
  ]);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await stopAgents(agents);
  await staticSim?.close();
  await registeredSim?.close();
  await server?.stop();
  dir.dispose();
});

describe("gateway clients", () => {
  it("gateway llm - the openai client streams a chat completion through the gateway (static replica and a registered one)", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: TOKEN });
    const models = (await client.models.list()).data.map((m) => m.id);
    expect(models).toEqual(expect.arrayContaining(["sim", "llama-8b"]));
    for (const model of ["sim", "llama"]) {
      const stream = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Say something." }], max_tokens: 16, stream: true });
      let text = "";
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        text += chunk.choices[0]?.delta?.content ?? "";
      }
      expect(chunks).toBeGreaterThan(1);
      expect(text.length).toBeGreaterThan(0);
    }
    expect(registeredSim.engine.stats().completed).toBe(1);
    expect(staticSim.engine.stats().completed).toBe(1);
    const denied = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "wrong-token-123" });
    await expect(denied.models.list()).rejects.toMatchObject({ status: 401 });
  }, 30_000);

  it("gateway cli - matrix submit --wait, status and results -o against a real gateway", async () => {
    const tasks = join(dir.dir, "tasks.jsonl");
    writeJsonl(tasks, coralRows(20));
    const env = { MATRIX_GATEWAY: gateway.url, MATRIX_TOKEN: TOKEN };
    const sub = await runMatrix(["submit", "coral", "--tasks", tasks, "sim.time_scale=50", "--wait"], { env });
    expect(sub.code, sub.stderr).toBe(0);
    const id = sub.stdout.trim();
    expect(id).toMatch(/^j[0-9a-z]+$/);
    expect(sub.stderr).toMatch(/succeeded: 20\/20 done/);
    const st = await runMatrix(["status", id], { env });
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(new RegExp(`^${id} coral succeeded: 20/20 done`));
    const out = join(dir.dir, "out.jsonl");
    const res = await runMatrix(["results", id, "-o", out], { env });
    expect(res.code, res.stderr).toBe(0);
    expect(exactlyOnce(readJsonl(out), coralTasks(20))).toEqual({ duplicates: [], missing: [] });
    const missing = await runMatrix(["status", "j000nope"], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no job "j000nope" \(404 job_not_found\)/);
    const noToken = await runMatrix(["status", id], { env: { MATRIX_GATEWAY: gateway.url, MATRIX_TOKEN: "" } });
    expect(noToken.stderr).toMatch(/missing bearer token/);
  }, 40_000);
});
