// Gateway routes through `app.request()` (no socket) on a real NATS server: every route and every error status.
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileAllowedRoots, ReplicaPool } from "../runtime/gateway/mod.ts";
import { startSimServer, type SimServer } from "../services/mod.ts";
import { tempDir } from "./helpers/cli.ts";
import { coralRows, gatewayApp, TokenSet, type AppFixture } from "./helpers/gateway.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

let server: NatsServer;
let sim: SimServer;
let open: AppFixture;
let secured: AppFixture;
const dir = tempDir();
const root = join(dir.dir, "data");
const ADMIN = "admin-token-0123456789";
const CORAL_ONLY = "coral-only-token-0123";
const INFERENCE_ONLY = "inference-only-token-0";

type Json = Record<string, any>;
const post = (f: AppFixture, path: string, body: unknown, headers: Record<string, string> = {}) =>
  f.app.request(path, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

async function expectError(res: Response, status: number, code: string): Promise<Json> {
  const body = (await res.json()) as Json;
  expect({ status: res.status, code: body.error?.code }, JSON.stringify(body)).toEqual({ status, code });
  expect(typeof body.error.message).toBe("string");
  return body;
}

beforeAll(async () => {
  server = await startNatsServer();
  sim = await startSimServer({ options: { time_scale: 100 } });
  mkdirSync(join(root, "sub"), { recursive: true });
  writeFileSync(join(root, "sub/tasks.jsonl"), coralRows(3).map((r) => JSON.stringify(r)).join("\n") + "\n");
  writeFileSync(join(dir.dir, "secret.jsonl"), '{"id":"x"}\n');
  symlinkSync(join(dir.dir, "secret.jsonl"), join(root, "link.jsonl"));
  open = await gatewayApp(server.url, { namespace: "gwh", allowedRoots: compileAllowedRoots([root], "/"), llm: new ReplicaPool({ urls: [sim.url] }) });
  secured = await gatewayApp(server.url, {
    namespace: "gwh",
    tokens: TokenSet.parse(`${ADMIN}\n${CORAL_ONLY} coral\n${INFERENCE_ONLY} inference`, "test"),
    limits: { maxBodyBytes: 4096, maxInlineTasks: 5 },
    corsOrigins: ["https://notebook.example"],
  });
}, 60_000);

afterAll(async () => {
  await open?.close();
  await secured?.close();
  await sim?.close();
  await server?.stop();
  dir.dispose();
});

describe("gateway routes", () => {
  it("gateway - healthz answers without a token; metrics and workflows need one", async () => {
    expect(await (await secured.app.request("/healthz")).json()).toEqual({ ok: true });
    const res = await secured.app.request("/v1/workflows");
    await expectError(res, 401, "unauthorized");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer realm="matrix"/);
    const wrong = await secured.app.request("/metrics", { headers: auth("not-the-token-xyz") });
    await expectError(wrong, 401, "unauthorized");
    expect(wrong.headers.get("www-authenticate")).toMatch(/invalid_token/);
    const wf = (await (await secured.app.request("/v1/workflows", { headers: auth(ADMIN) })).json()) as Json;
    const coral = wf.workflows.find((w: Json) => w.name === "coral");
    expect(coral.default_config.max_concurrent_tasks).toBe(256);
    expect(coral.roles).toContain("agent_a");
    const scoped = (await (await secured.app.request("/v1/workflows", { headers: auth(CORAL_ONLY) })).json()) as Json;
    expect(scoped.workflows.map((w: Json) => w.name)).toEqual(["coral"]);
    const metrics = await (await secured.app.request("/metrics", { headers: auth(ADMIN) })).text();
    expect(metrics).toMatch(/matrix_gateway_requests_total\{method="GET",route="[^"]+",status="401"\} 2/);
    expect(metrics).toMatch(/matrix_gateway_requests_total\{method="GET",route="\/v1\/workflows",status="200"\} 2/);
  });

  it("gateway - submit inline tasks: 202 with links; read, list with pages, idempotency key", async () => {
    const res = await post(open, "/v1/jobs", { workflow: "coral", tasks: coralRows(4), config: { trials: 2, coral: { max_turns: 4 } }, idempotency_key: "k1" });
    expect(res.status).toBe(202);
    const job = (await res.json()) as Json;
    expect(job).toMatchObject({ workflow: "coral", status: "queued", total: 8, overrides: ["trials=2", "coral.max_turns=4"] });
    expect(res.headers.get("location")).toBe(`/v1/jobs/${job.id}`);
    expect(job.links).toEqual({ self: `/v1/jobs/${job.id}`, events: `/v1/jobs/${job.id}/events`, results: `/v1/jobs/${job.id}/results` });
    expect(res.headers.get("x-request-id")).toMatch(/.+/);
    const again = await post(open, "/v1/jobs", { workflow: "coral", tasks: coralRows(4), config: ["trials=2"], idempotency_key: "k1" });
    expect(again.status).toBe(200);
    expect(((await again.json()) as Json).id).toBe(job.id);
    const got = (await (await open.app.request(`/v1/jobs/${job.id}`)).json()) as Json;
    expect(got).toMatchObject({ id: job.id, status: "queued", counts: { ok: 0, filtered: 0, error: 0, in_flight: 0 }, tokens: { prompt: 0, completion: 0 } });
    const second = (await (await post(open, "/v1/jobs", { workflow: "inference", tasks: [{ id: "a", prompt: "hi" }] })).json()) as Json;
    const page1 = (await (await open.app.request("/v1/jobs?limit=1")).json()) as Json;
    expect(page1.jobs.map((j: Json) => j.id)).toEqual([second.id]);
    const page2 = (await (await open.app.request(page1.next)).json()) as Json;
    expect(page2.jobs.map((j: Json) => j.id)).toContain(job.id);
    await expectError(await open.app.request("/v1/jobs?limit=0"), 400, "invalid_request");
  });

  it("gateway - bad bodies: malformed JSON, wrong types, unknown workflow, unknown or forbidden config key, both or no tasks", async () => {
    await expectError(await post(open, "/v1/jobs", "{not json"), 400, "invalid_json");
    const typed = await expectError(await post(open, "/v1/jobs", { workflow: "coral", tasks: "rows" }), 400, "invalid_request");
    expect(typed.error.message).toMatch(/^tasks: /);
    expect(typed.error.details.nested.tasks).toBeDefined();
    const deep = await expectError(await post(open, "/v1/jobs", { workflow: "coral", tasks: [{ id: 1 }, 7] }), 400, "invalid_request");
    expect(Object.keys(deep.error.details.nested)).toContain("tasks.1");
    await expectError(await post(open, "/v1/jobs", { workflow: "coral", tasks: [{}], extra: 1 }), 400, "invalid_request");
    const unknown = await expectError(await post(open, "/v1/jobs", { workflow: "nope", tasks: [{}] }), 400, "unknown_workflow");
    expect(unknown.error.message).toMatch(/coral/);
    const key = await expectError(await post(open, "/v1/jobs", { workflow: "coral", tasks: [{}], config: { max_concurent_tasks: 3 } }), 400, "invalid_config");
    expect(key.error.message).toMatch(/unknown key "max_concurent_tasks"/);
    const typedKey = await expectError(await post(open, "/v1/jobs", { workflow: "coral", tasks: [{}], config: ["trials=many"] }), 400, "invalid_config");
    expect(typedKey.error.message).toMatch(/trials/);
    await expectError(await post(open, "/v1/jobs", { workflow: "coral", tasks: [{}], config: { output: { path: "/tmp/x" } } }), 400, "forbidden_key");
    await expectError(await post(open, "/v1/jobs", { workflow: "coral", tasks: [{}], config: ["dataset.path=/etc/passwd"] }), 400, "forbidden_key");
    await expectError(await post(open, "/v1/jobs", { workflow: "coral" }), 400, "invalid_request");
    await expectError(await post(open, "/v1/jobs", { workflow: "coral", tasks: [{}], dataset: "sub/tasks.jsonl" }), 400, "invalid_request");
  });

  it("gateway - limits: oversized body and too many inline tasks are 413", async () => {
    const big = { workflow: "coral", tasks: [{ id: "x", question: "q".repeat(5000) }] };
    await expectError(await post(secured, "/v1/jobs", big, auth(ADMIN)), 413, "body_too_large");
    await expectError(await post(secured, "/v1/jobs", { workflow: "coral", tasks: coralRows(6).map((r) => ({ id: r.id })) }, auth(ADMIN)), 413, "too_many_tasks");
  });

  it("gateway - dataset paths: under the root accepted; absolute outside, `..` and a symlink out are 403", async () => {
    const ok = await post(open, "/v1/jobs", { workflow: "coral", dataset: "sub/tasks.jsonl" });
    expect(ok.status).toBe(202);
    expect(((await ok.json()) as Json).total).toBe(3);
    expect((await post(open, "/v1/jobs", { workflow: "coral", dataset: join(root, "sub/../sub/tasks.jsonl") })).status).toBe(202);
    await expectError(await post(open, "/v1/jobs", { workflow: "coral", dataset: join(dir.dir, "secret.jsonl") }), 403, "dataset_forbidden");
    await expectError(await post(open, "/v1/jobs", { workflow: "coral", dataset: "../secret.jsonl" }), 403, "dataset_forbidden");
    await expectError(await post(open, "/v1/jobs", { workflow: "coral", dataset: "sub/../../secret.jsonl" }), 403, "dataset_forbidden");
    await expectError(await post(open, "/v1/jobs", { workflow: "coral", dataset: "link.jsonl" }), 403, "dataset_forbidden");
    await expectError(await post(open, "/v1/jobs", { workflow: "coral", dataset: "missing.jsonl" }), 400, "dataset_not_found");
    await expectError(await post(secured, "/v1/jobs", { workflow: "coral", dataset: "sub/tasks.jsonl" }, auth(ADMIN)), 403, "dataset_forbidden");
  });

  it("gateway - a token limited to other workflows gets 403 on submit and does not see their jobs", async () => {
    await expectError(await post(secured, "/v1/jobs", { workflow: "coral", tasks: [{ id: "a" }] }, auth(INFERENCE_ONLY)), 403, "forbidden");
    const res = await post(secured, "/v1/jobs", { workflow: "coral", tasks: [{ id: "a" }] }, auth(CORAL_ONLY));
    expect(res.status).toBe(202);
    const job = (await res.json()) as Json;
    await expectError(await secured.app.request(`/v1/jobs/${job.id}`, { headers: auth(INFERENCE_ONLY) }), 404, "job_not_found");
    const list = (await (await secured.app.request("/v1/jobs?limit=500", { headers: auth(INFERENCE_ONLY) })).json()) as Json;
    expect(list.jobs.every((j: Json) => j.workflow === "inference")).toBe(true);
  });

  it("gateway - unknown job id is 404 on every job route; an unknown route is a JSON 404", async () => {
    for (const [method, path] of [["GET", "/v1/jobs/j000nope"], ["DELETE", "/v1/jobs/j000nope"], ["GET", "/v1/jobs/j000nope/events"], ["GET", "/v1/jobs/j000nope/results"], ["GET", "/v1/jobs/..%2F..%2Fx"]] as const) {
      await expectError(await open.app.request(path, { method }), 404, "job_not_found");
    }
    await expectError(await open.app.request("/v2/nothing"), 404, "not_found");
  });

  it("gateway - cancel: a queued job is marked; a finished job is 409", async () => {
    const job = (await (await post(open, "/v1/jobs", { workflow: "coral", tasks: [{ id: "a" }] })).json()) as Json;
    const res = await open.app.request(`/v1/jobs/${job.id}`, { method: "DELETE" });
    expect(res.status).toBe(202);
    expect(((await res.json()) as Json).cancel_requested).toBe(true);
    await open.store.update(job.id, (j) => ({ ...j, status: "succeeded", started_at: Date.now() - 1000, ended_at: Date.now() }));
    const again = await expectError(await open.app.request(`/v1/jobs/${job.id}`, { method: "DELETE" }), 409, "job_finished");
    expect(again.error.message).toMatch(/already ended/);
  });

  it("gateway - results as NDJSON (each task once, status filter) and events of a finished job end with `end`", async () => {
    const job = (await (await post(open, "/v1/jobs", { workflow: "coral", tasks: coralRows(3) })).json()) as Json;
    const rows = [
      { task: "coral-0001:0", status: "ok" },
      { task: "coral-0002:0", status: "error", error: { code: "x" } },
      { task: "coral-0001:0", status: "ok" },
      { task: "coral-0003:0", status: "filtered" },
    ];
    for (const [i, r] of rows.entries()) await open.deployment.results.publish(job.id, i === 2 ? "dup" : r.task, r);
    const res = await open.app.request(`/v1/jobs/${job.id}/results`);
    expect(res.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as Json);
    expect(lines.map((l) => l.task)).toEqual(["coral-0001:0", "coral-0002:0", "coral-0003:0"]);
    const ok = (await (await open.app.request(`/v1/jobs/${job.id}/results?status=error`)).text()).trim().split("\n");
    expect(ok.map((l) => (JSON.parse(l) as Json).task)).toEqual(["coral-0002:0"]);
    await expectError(await open.app.request(`/v1/jobs/${job.id}/results?status=done`), 400, "invalid_request");
    await open.store.update(job.id, (j) => ({ ...j, status: "succeeded", started_at: Date.now() - 1000, ended_at: Date.now() }));
    const sse = await (await open.app.request(`/v1/jobs/${job.id}/events`)).text();
    expect(sse).toMatch(/^event: end\ndata: \{.*"status":"succeeded"/m);
  });

  it("gateway - chat pass-through and models; unknown model 404, bad body 400, no pool 503", async () => {
    const models = (await (await open.app.request("/v1/models")).json()) as Json;
    expect(models.data.length).toBeGreaterThan(0);
    const model = models.data[0].id as string;
    const res = await post(open, "/v1/chat/completions", { model, messages: [{ role: "user", content: "hello" }], max_tokens: 8 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.choices[0].message.role).toBe("assistant");
    await expectError(await post(open, "/v1/chat/completions", { model: "no-such-model", messages: [] }), 404, "model_not_found");
    await expectError(await post(open, "/v1/chat/completions", "{"), 400, "invalid_json");
    await expectError(await post(open, "/v1/chat/completions", { messages: [] }), 400, "invalid_request");
    await expectError(await secured.app.request("/v1/models", { headers: auth(ADMIN) }), 503, "no_llm");
  });

  it("gateway - CORS only when configured; an unexpected error is a 500 without its message", async () => {
    const pre = await secured.app.request("/v1/jobs", { method: "OPTIONS", headers: { origin: "https://notebook.example", "access-control-request-method": "POST" } });
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://notebook.example");
    expect((await open.app.request("/healthz", { headers: { origin: "https://x.example" } })).headers.get("access-control-allow-origin")).toBeNull();
    const broken = await gatewayApp(server.url, {
      namespace: "gwh",
      workflows: () => {
        throw new Error("secret detail /etc/shadow");
      },
    });
    try {
      const res = await broken.app.request("/v1/workflows");
      const body = await expectError(res, 500, "internal");
      expect(JSON.stringify(body)).not.toMatch(/shadow|at /);
    } finally {
      await broken.close();
    }
  });
});
