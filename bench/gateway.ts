// Gateway costs: requests/s of `GET /v1/jobs/{id}`, and the latency the chat pass-through adds over calling the simulated LLM directly.
import "../workflows/mod.ts";
import { startGateway } from "../runtime/gateway/mod.ts";
import { silentLogger } from "../runtime/log.ts";
import { DEFAULT_DEPLOYMENT } from "../runtime/modes/deployment.ts";
import { startSimServer } from "../services/mod.ts";
import { startNatsServer } from "../test/helpers/nats-server.ts";
import { benchArgs, printTable, writeResults } from "./report.ts";

// `chat` requests alternate direct / through the gateway, one at a time, so both see the same machine load.
const args = benchArgs({ seconds: 5, concurrency: 32, chat: 400, max_tokens: 16 });

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const nats = await startNatsServer();
// A fast simulated replica: its own latency is small, so the gateway's share is visible.
const sim = await startSimServer({ options: { time_scale: 1000 } });
const gw = await startGateway({
  deployment: { ...DEFAULT_DEPLOYMENT, url: nats.url, namespace: "bench" },
  host: "127.0.0.1",
  port: 0,
  tokens: undefined,
  allowedRoots: [],
  maxBodyBytes: 1 << 20,
  maxInlineTasks: 1000,
  corsOrigins: [],
  llmUrls: [sim.url],
  id: "bench",
  leaseMs: 15_000,
  scanMs: 1_000,
  progressMs: 1_000,
  sseIntervalMs: 500,
  cwd: process.cwd(),
  log: silentLogger,
});
try {
  const headers = { "content-type": "application/json" };
  const created = (await (await fetch(`${gw.url}/v1/jobs`, { method: "POST", headers, body: JSON.stringify({ workflow: "coral", tasks: [{ id: "a" }] }) })).json()) as { id: string };

  // 1. Job status reads: `concurrency` clients in a closed loop for `seconds`.
  let reads = 0;
  let failed = 0;
  const lat: number[] = [];
  const until = performance.now() + args.seconds * 1000;
  await Promise.all(
    Array.from({ length: args.concurrency }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        const res = await fetch(`${gw.url}/v1/jobs/${created.id}`);
        await res.arrayBuffer();
        lat.push(performance.now() - t);
        if (res.ok) reads++;
        else failed++;
      }
    }),
  );
  lat.sort((a, b) => a - b);
  const rps = reads / args.seconds;

  // 2. Chat completions, direct and through the gateway, interleaved.
  const body = JSON.stringify({ model: "sim", messages: [{ role: "user", content: "Say something short." }], max_tokens: args.max_tokens });
  const direct: number[] = [];
  const via: number[] = [];
  for (let i = 0; i < args.chat; i++) {
    for (const [base, into] of [
      [sim.url, direct],
      [`${gw.url}/v1`, via],
    ] as const) {
      const t = performance.now();
      const res = await fetch(`${base}/chat/completions`, { method: "POST", headers, body });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`chat via ${base}: HTTP ${res.status}`);
      if (i >= 20) into.push(performance.now() - t); // the first requests warm up connections and JIT
    }
  }
  direct.sort((a, b) => a - b);
  via.sort((a, b) => a - b);
  const r = (x: number) => (Math.round(x * 100) / 100).toFixed(2);
  const p = { direct_p50: quantile(direct, 0.5), direct_p99: quantile(direct, 0.99), gateway_p50: quantile(via, 0.5), gateway_p99: quantile(via, 0.99) };

  console.log(`GET /v1/jobs/{id}: ${args.concurrency} clients, ${args.seconds} s\n`);
  printTable(["requests/s", "p50 ms", "p99 ms", "errors"], [[rps.toFixed(0), r(quantile(lat, 0.5)), r(quantile(lat, 0.99)), String(failed)]]);
  console.log(`\nPOST /v1/chat/completions (max_tokens ${args.max_tokens}, ${direct.length} each, one at a time)\n`);
  printTable(
    ["path", "p50 ms", "p99 ms"],
    [
      ["direct to the sim", r(p.direct_p50), r(p.direct_p99)],
      ["through the gateway", r(p.gateway_p50), r(p.gateway_p99)],
      ["added by the gateway", r(p.gateway_p50 - p.direct_p50), r(p.gateway_p99 - p.direct_p99)],
    ],
  );
  writeResults("gateway", {
    args,
    job_status: { requests_per_s: Math.round(rps), p50_ms: quantile(lat, 0.5), p99_ms: quantile(lat, 0.99), errors: failed },
    chat: { ...p, added_p50_ms: p.gateway_p50 - p.direct_p50, added_p99_ms: p.gateway_p99 - p.direct_p99 },
  });
} finally {
  await gw.close();
  await sim.close();
  await nats.stop();
}
