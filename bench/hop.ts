// The cost of one hop on NATS: raw JetStream vs our hop, and 20,000 tasks in flight over two agent processes.
import { spawn, type ChildProcess } from "node:child_process";
import { join, resolve } from "node:path";
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import "../workflows/mod.ts";
import { connectNats } from "../runtime/adapter/nats.ts";
import { NatsBus } from "../runtime/bus/nats.ts";
import { AgentHost, publishHop, type RunBinding } from "../runtime/host.ts";
import { silentLogger } from "../runtime/log.ts";
import { MemoryBlobStore } from "../runtime/message/blobs.ts";
import { runDistributed } from "../runtime/modes/run-nats.ts";
import { DEFAULT_DEPLOYMENT } from "../runtime/modes/deployment.ts";
import type { RunProgress } from "../runtime/modes/collector.ts";
import { newEnvelope } from "../runtime/source.ts";
import { startNatsServer } from "../test/helpers/nats-server.ts";
import { oneRoleWorkflow } from "../test/wf-fixtures.ts";
import { cpus } from "node:os";
import { benchArgs, fixedLatencyJob, printTable, processCpuSeconds, tempOutput, writeResults } from "./report.ts";

const args = benchArgs({ duration_s: 5, warmup_s: 1, ring: 256, in_flight: 20_000, tasks: 60_000, latency_ms: 1000 });
const SIZES = [1024, 16 * 1024];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const server = await startNatsServer();
const nc = await connectNats(server.url, { name: "bench hop" });

/** Counts events during `duration_s` after `warmup_s`; returns events per second. */
async function measure(count: () => number): Promise<number> {
  await sleep(args.warmup_s * 1000);
  const a = count();
  const t0 = performance.now();
  await sleep(args.duration_s * 1000);
  return ((count() - a) * 1000) / (performance.now() - t0);
}

/**
 * Raw JetStream: `ring` messages circulate through one work-queue stream; each delivery publishes the next message
 * (same size, a fresh `Nats-Msg-Id`, publish ack awaited) and then acks the delivery.
 */
async function rawHops(size: number): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const stream = `rawbench_${size}`;
  const subject = `rawbench.${size}`;
  await jsm.streams.add({ name: stream, subjects: [subject], retention: RetentionPolicy.Workqueue, storage: StorageType.File, duplicate_window: nanos(120_000) });
  await jsm.consumers.add(stream, { durable_name: "raw", ack_policy: AckPolicy.Explicit, ack_wait: nanos(30_000), max_ack_pending: 10_000 });
  const js = jetstream(nc);
  const payload = new Uint8Array(size).fill(7);
  let seq = 0;
  for (let i = 0; i < args.ring; i++) await js.publish(subject, payload, { msgID: `seed/${i}` });
  const consumer = await js.consumers.get(stream, "raw");
  const msgs = await consumer.consume({ max_messages: args.ring });
  let hops = 0;
  const running = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const m of msgs) {
      const p = (async () => {
        await js.publish(subject, payload, { msgID: `hop/${++seq}` });
        m.ack();
        hops++;
      })();
      running.add(p);
      void p.finally(() => running.delete(p));
    }
  })();
  const rate = await measure(() => hops);
  msgs.stop();
  await loop;
  await Promise.allSettled([...running]);
  await jsm.streams.delete(stream);
  return rate;
}

/** A workflow whose one role does nothing and sends the task back to itself: the hop is all that is measured. */
const loopWorkflow = oneRoleWorkflow({ name: "hop-bench", role: "echo", next: "echo", handle: async () => ({}) });

/** Our hop: decode, trivial handler, route, encode, publish the next hop with its dedup id, confirmed ack. */
async function ourHops(size: number): Promise<number> {
  const bus = new NatsBus(nc, { namespace: `hopbench${size}` });
  const blobs = new MemoryBlobStore();
  const binding: RunBinding = {
    workflow: loopWorkflow,
    params: {},
    llm: () => {
      throw new Error("no llm in this bench");
    },
    blobs,
    maxAttempts: 4,
    retry: { initial_ms: 100, max_ms: 1000 },
    offloadThreshold: 16 * 1024,
  };
  let hops = 0;
  const host = new AgentHost({ bus, binding: () => binding, log: silentLogger, onHop: () => void hops++ });
  host.serve(loopWorkflow, ["echo"], args.ring);
  // A string field of `size` characters: the payload itself stays under the 16 KiB offload threshold.
  const text = "x".repeat(size);
  for (let i = 0; i < args.ring; i++) {
    const msg = newEnvelope({ run: "bench", workflow: loopWorkflow.name, task: `t${i}`, trial: 0, seed: i, first: "echo", input: { text }, state: {} });
    await publishHop(bus, msg, blobs, binding.offloadThreshold);
  }
  const rate = await measure(() => hops);
  await host.drain();
  await bus.close();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(bus.names.stream);
  return rate;
}

const hopRows: string[][] = [];
const hopResults: Record<string, { raw: number; ours: number; ratio: number }> = {};
for (const size of SIZES) {
  const raw = await rawHops(size);
  const ours = await ourHops(size);
  hopResults[`${size}`] = { raw, ours, ratio: ours / raw };
  hopRows.push([`${size / 1024} KiB`, raw.toFixed(0), ours.toFixed(0), `${((100 * ours) / raw).toFixed(0)}%`]);
}
console.log(`\nhops/s with ${args.ring} messages circulating (target: ours >= 50% of raw)\n`);
printTable(["payload", "raw JetStream hops/s", "our hops/s", "ours / raw"], hopRows);

// Tasks in flight over two `matrix agent` processes, each with the embedded simulated LLM at a fixed latency.
const ROOT = resolve(import.meta.dirname, "..");
const agents: ChildProcess[] = [];
const perAgent = Math.ceil(args.in_flight / 2) + 1_000;
for (let i = 0; i < 2; i++) {
  const child = spawn(
    process.execPath,
    [join(ROOT, "bin/matrix.js"), "agent", "--nats", server.url, "--workflows", "inference", "--concurrency", String(perAgent), "--max-ack-pending", String(args.in_flight * 2)],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  agents.push(child);
}
await Promise.all(
  agents.map(
    (a) =>
      new Promise<void>((res, rej) => {
        let err = "";
        a.stderr!.on("data", (b: Buffer) => {
          err += b.toString();
          if (err.includes("agent ready")) res();
        });
        a.once("exit", () => rej(new Error(`agent exited: ${err}`)));
      }),
  ),
);

const out = tempOutput("hop");
// Room for every request at once in each agent's simulated LLM: the latency is fixed, the runtime is measured.
const config = fixedLatencyJob({ out: out.path, tasks: args.tasks, inFlight: args.in_flight, latencyMs: args.latency_ms });
const samples: { t: number; done: number; inFlight: number }[] = [];
let peak = 0;
// CPU time of every process on the machine that takes part: the run process, the agents, nats-server.
const cpuOf = () => {
  const own = process.cpuUsage();
  return {
    run: (own.user + own.system) / 1e6,
    agents: agents.reduce((n, a) => n + (processCpuSeconds(a.pid) ?? NaN), 0),
    nats: processCpuSeconds(server.process.pid) ?? NaN,
  };
};
// Sampled when the steady window (10% to 90% of tasks done) opens and closes.
let cpu0: ReturnType<typeof cpuOf> | undefined;
let cpu1: ReturnType<typeof cpuOf> | undefined;
let cpuDone0 = 0;
let cpuDone1 = 0;
const summary = await runDistributed(
  config,
  {
    log: silentLogger,
    onProgress: (p: RunProgress) => {
      samples.push({ t: p.elapsedMs, done: p.done, inFlight: p.inFlight });
      peak = Math.max(peak, p.inFlight);
      if (cpu0 === undefined && p.done >= 0.1 * args.tasks) [cpu0, cpuDone0] = [cpuOf(), p.done];
      if (cpu1 === undefined && p.done >= 0.9 * args.tasks) [cpu1, cpuDone1] = [cpuOf(), p.done];
    },
  },
  { ...DEFAULT_DEPLOYMENT, url: server.url, maxAckPending: args.in_flight * 2, localAgents: 0 },
);
for (const a of agents) a.kill("SIGTERM");
await Promise.all(agents.map((a) => new Promise((r) => (a.exitCode !== null ? r(null) : a.once("exit", r)))));
out.dispose();
await nc.close();
await server.stop();

// Steady state: from 10% to 90% of the tasks done.
const at = (frac: number) => samples.find((s) => s.done >= frac * args.tasks) ?? samples[samples.length - 1]!;
const a = at(0.1);
const b = at(0.9);
const steady = (b.done - a.done) / Math.max((b.t - a.t) / 1000, 1e-9);
const bound = args.in_flight / (args.latency_ms / 1000);
// What the machine can do at all: every task costs this much CPU across the processes, and there are `cores`.
const cores = cpus().length;
if (cpu0 === undefined || cpu1 === undefined) throw new Error("the run ended before its steady window closed");
const steadyTasks = cpuDone1 - cpuDone0;
const cpuPerTask = {
  run_us: ((cpu1.run - cpu0.run) * 1e6) / steadyTasks,
  agents_us: ((cpu1.agents - cpu0.agents) * 1e6) / steadyTasks,
  nats_server_us: ((cpu1.nats - cpu0.nats) * 1e6) / steadyTasks,
};
const cpuUsTotal = cpuPerTask.run_us + cpuPerTask.agents_us + cpuPerTask.nats_server_us;
const cpuBound = (cores * 1e6) / cpuUsTotal;
console.log(`\n${args.in_flight} tasks in flight over two agent processes, LLM latency ${args.latency_ms} ms (target >= 80% of the bound)\n`);
printTable(
  ["tasks", "in flight (peak)", "bound tasks/s", "steady tasks/s", "of bound", "overall tasks/s", "errors"],
  [[String(summary.written), String(peak), bound.toFixed(0), steady.toFixed(0), `${((100 * steady) / bound).toFixed(0)}%`, (summary.written / summary.elapsed_s).toFixed(0), String(summary.error)]],
);
console.log(`\nCPU per task in the steady state, by process (all on this ${cores}-core machine)\n`);
printTable(
  ["run process", "2 agents", "nats-server", "total", `CPU-bound tasks/s (${cores} cores)`, "steady / CPU-bound"],
  [[
    `${cpuPerTask.run_us.toFixed(0)} µs`,
    `${cpuPerTask.agents_us.toFixed(0)} µs`,
    `${cpuPerTask.nats_server_us.toFixed(0)} µs`,
    `${cpuUsTotal.toFixed(0)} µs`,
    cpuBound.toFixed(0),
    `${((100 * steady) / cpuBound).toFixed(0)}%`,
  ]],
);
writeResults("hop", {
  args,
  hops_per_s: hopResults,
  in_flight: {
    written: summary.written,
    error: summary.error,
    peak_in_flight: peak,
    littles_law_bound_tasks_per_s: bound,
    steady_tasks_per_s: steady,
    fraction_of_bound: steady / bound,
    overall_tasks_per_s: summary.written / summary.elapsed_s,
    cpu_us_per_task: { ...cpuPerTask, total: cpuUsTotal },
    cores,
    cpu_bound_tasks_per_s: cpuBound,
  },
});
