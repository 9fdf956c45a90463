// A job's streams: progress as Server-Sent Events, rows as NDJSON (`/v1/jobs/{id}/events`, `/results`).
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { GatewayDeps, GatewayEnv } from "../context.ts";
import { HttpError } from "../http-error.ts";
import { TERMINAL } from "../jobs/record.ts";
import { visibleJob } from "./jobs.ts";

const STATUSES = new Set(["ok", "error", "filtered"]);
const utf8 = new TextEncoder();

export function jobStreamRoutes(deps: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();

  // `progress` events (the job's JSON) whenever it changed, then one `end` event with the final JSON.
  app.get("/:id/events", async (c) => {
    const first = await visibleJob(deps, c);
    return streamSSE(c, async (stream) => {
      let last = "";
      let id = 0;
      let job = first;
      for (;;) {
        const text = JSON.stringify(job);
        const ended = TERMINAL.has(job.status);
        if (ended) {
          await stream.writeSSE({ event: "end", data: text, id: String(++id) });
          return;
        }
        if (text !== last) await stream.writeSSE({ event: "progress", data: text, id: String(++id) });
        last = text;
        await stream.sleep(deps.sseIntervalMs);
        if (stream.aborted || c.req.raw.signal.aborted) return;
        job = (await deps.jobs.get(first.id)) ?? job;
      }
    });
  });

  // Rows stored so far (each task once); `?follow=true` keeps the stream open until the job's last row.
  app.get("/:id/results", async (c) => {
    const job = await visibleJob(deps, c);
    const status = c.req.query("status");
    if (status !== undefined && !STATUSES.has(status)) throw new HttpError(400, "invalid_request", "status: expected ok, error or filtered");
    const follow = c.req.query("follow") === "true" || c.req.query("follow") === "1";
    const signal = c.req.raw.signal;
    const rows = deps.jobs.rows(job.id, { ...(status ? { status: status as "ok" | "error" | "filtered" } : {}), follow, signal });
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          // Rows are batched per pull so a large download is not one write per row.
          let chunk = "";
          for (let i = 0; i < (follow ? 1 : 256); i++) {
            const next = await rows.next();
            if (next.done) {
              if (chunk) controller.enqueue(utf8.encode(chunk));
              controller.close();
              return;
            }
            chunk += JSON.stringify(next.value) + "\n";
          }
          controller.enqueue(utf8.encode(chunk));
        } catch (err) {
          deps.log.error("results stream failed", { request_id: c.get("requestId"), job: job.id, error: String(err) });
          controller.error(err);
        }
      },
      async cancel() {
        await rows.return(undefined);
      },
    });
    return new Response(body, { status: 200, headers: { "content-type": "application/x-ndjson", "x-request-id": c.get("requestId") } });
  });

  return app;
}
