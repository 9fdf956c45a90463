// The gateway over a real socket with a real NATS server and `matrix agent` processes: jobs end to end, restart, cancel.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coralTasks, exactlyOnce, startAgents, stopAgents, type AgentProcess } from "./helpers/agents.ts";
import { coralRows, startGatewayProcess, type GatewayProcess } from "./helpers/gateway.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

type Json = Record<string, any>;
let server: NatsServer;
let agents: AgentProcess[] = [];
let gateway: GatewayProcess | undefined;
const ARGS = ["--id", "gw-e2e", "--lease-s", "3", "--progress-ms", "200"];

async function submit(url: string, body: unknown): Promise<Json> {
  const res = await fetch(`${url}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(202);
  return (await res.json()) as Json;
}

async function job(url: string, id: string): Promise<Json> {
  return (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as Json;
}

async function results(url: string, id: string): Promise<Json[]> {
  const text = await (await fetch(`${url}/v1/jobs/${id}/results`)).text();
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Json);
}

/** Reads an SSE response to its end: every event as `{event, data}`. */
async function readSse(res: Response): Promise<{ event: string; data: Json }[]> {
  const events: { event: string; data: Json }[] = [];
  const text = await res.text();
  for (const block of text.split("\n\n")) {
    const event = /^event: (.*)$/m.exec(block)?.[1];
    const data = /^data: (.*)$/m.exec(block)?.[1];
    if (event && data) events.push({ event, data: JSON.parse(data) as Json });
  }
  return events;
}

beforeAll(async () => {
  server = await startNatsServer();
  [agents, gateway] = await Promise.all([startAgents(server.url, 2, ["--workflows", "coral"]), startGatewayProcess(server.url, ARGS)]);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await stopAgents(agents);
  await server?.stop();
});

describe("gateway end to end", () => {
  it("gateway e2e - 500 coral tasks: SSE progress to the end event, NDJSON with every task once", async () => {
    const url = gateway!.url;
    const created = await submit(url, { workflow: "coral", tasks: coralRows(500), config: { sim: { time_scale: 50 }, max_concurrent_tasks: 200 } });
    // Rows followed while the job runs, and progress to the end.
    const [followed, events] = await Promise.all([
      fetch(`${url}/v1/jobs/${created.id}/results?follow=true`).then((r) => r.text()),
      fetch(`${url}/v1/jobs/${created.id}/events`).then(readSse),
    ]);
    expect(followed.trim().split("\n")).toHaveLength(500);
    const last = events.at(-1)!;
    expect(last.event).toBe("end");
    expect(events.some((e) => e.event === "progress" && e.data.counts.done > 0 && e.data.counts.done < 500)).toBe(true);
    expect(last.data).toMatchObject({ status: "succeeded", total: 500, counts: { done: 500, in_flight: 0 } });
    expect(last.data.counts.ok + last.data.counts.filtered + last.data.counts.error).toBe(500);
    expect(last.data.tokens.prompt).toBeGreaterThan(0);
    expect(last.data.tasks_per_s).toBeGreaterThan(0);
    expect(Object.keys(last.data.metrics).length).toBeGreaterThan(0);
    const rows = await results(url, created.id);
    expect(rows).toHaveLength(500);
    const ids = coralRows(500).map((r) => `${r.id as string}:0`);
    expect(exactlyOnce(rows, ids)).toEqual({ duplicates: [], missing: [] });
    expect(rows.filter((r) => r.status === "ok").length).toBe(last.data.counts.ok);
  }, 60_000);

  it("gateway e2e - kill -9 of the gateway mid-job, start it again: the job completes with every row once; a second gateway serves the same job", async () => {
    let url = gateway!.url;
    const [created, other] = await Promise.all([
      submit(url, { workflow: "coral", tasks: coralRows(240), config: { sim: { time_scale: 10 }, max_concurrent_tasks: 60 } }),
      startGatewayProcess(server.url, ["--id", "gw-other", "--lease-s", "3"]),
    ]);
    try {
      let done = 0;
      while (done < 40) {
        done = (await job(url, created.id)).counts.done as number;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(done).toBeLessThan(240);
      await gateway!.kill9();
      gateway = await startGatewayProcess(server.url, ARGS);
      url = gateway.url;
      // Followed through the other gateway: the job's state is in NATS, not in a gateway.
      const events = await readSse(await fetch(`${other.url}/v1/jobs/${created.id}/events`));
      expect(events.at(-1)).toMatchObject({ event: "end", data: { status: "succeeded", counts: { done: 240 } } });
      expect(gateway.stderr() + other.stderr()).toMatch(/resuming job/);
      for (const base of [url, other.url]) {
        const rows = await results(base, created.id);
        expect(exactlyOnce(rows, coralTasks(240))).toEqual({ duplicates: [], missing: [] });
        expect(rows).toHaveLength(240);
      }
    } finally {
      await other.stop();
    }
  }, 60_000);

  it("gateway e2e - cancel mid-job: no new admissions, tasks in flight end as cancelled rows; a second cancel is 409", async () => {
    const url = gateway!.url;
    const created = await submit(url, { workflow: "coral", tasks: coralRows(240), config: { sim: { time_scale: 2 }, max_concurrent_tasks: 20 } });
    for (;;) {
      const j = await job(url, created.id);
      if (j.counts.in_flight > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`${url}/v1/jobs/${created.id}`, { method: "DELETE" });
    expect(res.status).toBe(200);
    const ended = (await res.json()) as Json;
    expect(ended).toMatchObject({ status: "cancelled", counts: { in_flight: 0 } });
    expect(ended.counts.done).toBeLessThan(240);
    const rows = await results(url, created.id);
    expect(rows.length).toBe(ended.counts.done);
    expect(rows.filter((r) => r.error?.code === "cancelled").length).toBeGreaterThan(0);
    expect(exactlyOnce(rows, [])).toEqual({ duplicates: [], missing: [] });
    const again = await fetch(`${url}/v1/jobs/${created.id}`, { method: "DELETE" });
    expect(again.status).toBe(409);
  }, 60_000);
});
