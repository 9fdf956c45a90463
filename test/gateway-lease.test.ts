// Job leases between gateways: one admits a job at a time; a gateway that stops hands its jobs to another at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobSupervisor } from "../runtime/gateway/mod.ts";
import { silentLogger } from "../runtime/log.ts";
import { until } from "./helpers/cli.ts";
import { coralRows, gatewayApp, type AppFixture } from "./helpers/gateway.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

let server: NatsServer;
let fx: AppFixture;

beforeAll(async () => {
  server = await startNatsServer();
  fx = await gatewayApp(server.url, { namespace: "gwl" });
}, 30_000);

afterAll(async () => {
  await fx?.close();
  await server?.stop();
});

const supervisor = (owner: string) => new JobSupervisor({ deployment: fx.deployment, store: fx.store, owner, leaseMs: 900, scanMs: 50, progressMs: 100, log: silentLogger });

describe("gateway leases", () => {
  it("gateway lease - two gateways scanning the same jobs: each job is admitted by one; closing one moves its jobs to the other", async () => {
    const a = supervisor("gw-a");
    const b = supervisor("gw-b");
    try {
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await fx.app.request("/v1/jobs", { method: "POST", body: JSON.stringify({ workflow: "coral", tasks: coralRows(2) }) });
        ids.push(((await res.json()) as { id: string }).id);
      }
      await until(() => ids.every((id) => a.running.includes(id) || b.running.includes(id)), 5_000, "every job admitted");
      // Several lease periods later, still no job held by both.
      await new Promise((r) => setTimeout(r, 1_500));
      for (const id of ids) expect(a.running.includes(id) && b.running.includes(id), id).toBe(false);
      for (const id of ids) expect((await fx.store.getLease(id))?.value.owner).toBe(a.running.includes(id) ? "gw-a" : "gw-b");
      await a.close();
      await until(() => ids.every((id) => b.running.includes(id)), 2_000, "gw-b admits every job");
      const progress = await fx.store.getProgress(ids[0]!);
      expect(["gw-a", "gw-b"]).toContain(progress?.owner);
      const job = await fx.store.get(ids[0]!);
      expect(job?.value.status).toBe("running");
    } finally {
      await a.close();
      await b.close();
    }
  }, 20_000);
});
