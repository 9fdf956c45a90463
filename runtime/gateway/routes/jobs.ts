// Job routes: submit, list, read, cancel (`/v1/jobs`, `/v1/jobs/{id}`).
import { Hono, type Context } from "hono";
import * as v from "valibot";
import { ConfigError } from "../../errors.ts";
import type { GatewayDeps, GatewayEnv } from "../context.ts";
import { confineDataset } from "../dataset-path.ts";
import { HttpError } from "../http-error.ts";
import { JobRequest, toOverrides } from "../request.ts";
import { mayUse } from "../tokens.ts";
import type { JobView } from "../jobs/view.ts";

/** Reads the JSON body; 400 `invalid_json` when it does not parse. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, "invalid_json", `the body is not valid JSON (${(err as Error).message})`);
  }
}

/** The job of the path, visible to the token; 404 otherwise (also for another scope: its existence is not told). */
export async function visibleJob(deps: GatewayDeps, c: Context<GatewayEnv>): Promise<JobView> {
  const job = await deps.jobs.get(c.req.param("id") ?? "");
  if (!job || !mayUse(c.get("token"), job.workflow)) throw new HttpError(404, "job_not_found", `no job "${c.req.param("id")}"`);
  return job;
}

export function jobRoutes(deps: GatewayDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();

  app.post("/", async (c) => {
    const parsed = v.safeParse(JobRequest, await jsonBody(c));
    if (!parsed.success) {
      const first = parsed.issues[0]!;
      const path = v.getDotPath(first);
      throw new HttpError(400, "invalid_request", `${path ?? "body"}: ${first.message}`, v.flatten<typeof JobRequest>(parsed.issues));
    }
    const req = parsed.output;
    const wf = deps.workflows().find((w) => w.name === req.workflow);
    if (!wf) throw new HttpError(400, "unknown_workflow", `unknown workflow "${req.workflow}" (known: ${deps.workflows().map((w) => w.name).join(", ")})`);
    if (!mayUse(c.get("token"), wf.name)) throw new HttpError(403, "forbidden", `this token may not run workflow "${wf.name}"`);
    if ((req.tasks === undefined) === (req.dataset === undefined)) throw new HttpError(400, "invalid_request", `send exactly one of "tasks" (inline rows) and "dataset" (a path)`);
    if (req.tasks !== undefined && req.tasks.length > deps.limits.maxInlineTasks) {
      throw new HttpError(413, "too_many_tasks", `tasks: ${req.tasks.length} inline rows; this gateway takes at most ${deps.limits.maxInlineTasks} (use "dataset")`);
    }
    if (req.tasks !== undefined && req.tasks.length === 0) throw new HttpError(400, "invalid_request", "tasks: no rows");
    const overrides = toOverrides(req.config);
    const dataset = req.dataset === undefined ? undefined : confineDataset(req.dataset, deps.allowedRoots);
    let result;
    try {
      result = await deps.jobs.submit({
        workflow: wf.name,
        overrides,
        ...(req.tasks ? { tasks: req.tasks } : {}),
        ...(dataset ? { dataset } : {}),
        ...(req.idempotency_key ? { idempotencyKey: req.idempotency_key } : {}),
        client: c.get("token")?.name ?? "anonymous",
      });
    } catch (err) {
      if (err instanceof ConfigError) throw new HttpError(400, "invalid_config", err.message);
      if ((err as { code?: string }).code === "dataset") throw new HttpError(400, "invalid_dataset", (err as Error).message.replace(/^.*?: /, "dataset: "));
      throw err;
    }
    if (result.created) {
      deps.metrics.jobsSubmitted.inc({ workflow: wf.name });
      deps.log.info("job submitted", { request_id: c.get("requestId"), job: result.job.id, workflow: wf.name, total: result.job.total });
    }
    c.header("Location", result.job.links.self);
    return c.json(result.job, result.created ? 202 : 200);
  });

  app.get("/", async (c) => {
    const limit = Number(c.req.query("limit") ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, "invalid_request", "limit: expected an integer from 1 to 500");
    const after = c.req.query("after");
    const token = c.get("token");
    const page = await deps.jobs.list({ limit, ...(after ? { after } : {}), visible: (w) => mayUse(token, w) });
    return c.json({ jobs: page.jobs, next: page.next === null ? null : `/v1/jobs?limit=${limit}&after=${page.next}` });
  });

  app.get("/:id", async (c) => c.json(await visibleJob(deps, c)));

  app.delete("/:id", async (c) => {
    const job = await visibleJob(deps, c);
    const res = await deps.jobs.cancel(job.id, deps.cancelWaitMs);
    if (res === undefined) throw new HttpError(404, "job_not_found", `no job "${job.id}"`);
    if (res === "finished") throw new HttpError(409, "job_finished", `job ${job.id} has already ended (${job.status})`);
    deps.log.info("job cancel requested", { request_id: c.get("requestId"), job: job.id, status: res.status });
    return c.json(res, res.status === "cancelled" ? 200 : 202);
  });

  return app;
}
