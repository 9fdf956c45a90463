// The gateway starts and answers `/healthz` and `POST /v1/jobs` under Deno and Bun (the same sources as on Node).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { coralRows, startGatewayProcess } from "./helpers/gateway.ts";
import { startNatsServer, type NatsServer } from "./helpers/nats-server.ts";

let server: NatsServer;
const TOKEN = "runtime-test-token-1";

beforeAll(async () => {
  server = await startNatsServer();
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

describe("gateway runtimes", () => {
  for (const runtime of ["deno", "bun"] as const) {
    it(`gateway runtimes - healthz and a job submission under ${runtime}`, async () => {
      const gw = await startGatewayProcess(server.url, ["--namespace", runtime], { runtime, env: { MATRIX_GATEWAY_TOKENS: TOKEN } });
      try {
        const health = await fetch(`${gw.url}/healthz`);
        expect(await health.json()).toEqual({ ok: true });
        const headers = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };
        const res = await fetch(`${gw.url}/v1/jobs`, { method: "POST", headers, body: JSON.stringify({ workflow: "coral", tasks: coralRows(3) }) });
        const job = (await res.json()) as Record<string, any>;
        expect(res.status, JSON.stringify(job)).toBe(202);
        expect(job).toMatchObject({ workflow: "coral", total: 3 });
        // No agent serves it; the gateway (holding no state) admits it and reports it running.
        const bad = await fetch(`${gw.url}/v1/jobs`, { method: "POST", headers, body: "{" });
        expect(bad.status).toBe(400);
        let status = "";
        for (let i = 0; i < 50 && status !== "running"; i++) {
          status = ((await (await fetch(`${gw.url}/v1/jobs/${job.id}`, { headers })).json()) as { status: string }).status;
          if (status !== "running") await new Promise((r) => setTimeout(r, 100));
        }
        expect(status).toBe("running");
        expect(gw.stderr()).not.toMatch(/error/i);
      } finally {
        await gw.stop();
      }
    }, 60_000);
  }
});
