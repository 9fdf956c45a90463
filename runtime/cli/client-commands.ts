// `matrix submit | status | results`: a gateway's client (`--gateway URL` or $MATRIX_GATEWAY, token from $MATRIX_TOKEN).
import { createWriteStream, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError, MatrixError } from "../errors.ts";

const COMMON_HELP = `  --gateway URL          the gateway (default $MATRIX_GATEWAY); the token comes from $MATRIX_TOKEN
  --json                 print the job as JSON
  -h, --help             this help`;

export const SUBMIT_HELP = `usage: matrix submit <workflow> [--tasks file.jsonl | --dataset PATH] [key.sub=value ...] [options]

Submits a job to a gateway and prints its id. Overrides take the same keys as matrix run.
  --tasks FILE           send these JSONL rows inline
  --dataset PATH         a dataset on the cluster's filesystem, under one of the gateway's allowed roots
  --idempotency-key K    a retried submit with the same key returns the same job
  --wait                 follow the job's progress to its end (exit 0 when it succeeded)
${COMMON_HELP}`;

export const STATUS_HELP = `usage: matrix status <job-id> [options]

Prints a job's status and counts.
${COMMON_HELP}`;

export const RESULTS_HELP = `usage: matrix results <job-id> [-o out.jsonl] [--status ok|error|filtered] [--follow] [options]

Downloads a job's rows as JSONL (to stdout without -o). --follow waits for rows until the job ends.
${COMMON_HELP}`;

const COMMON = {
  gateway: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  verbose: { type: "boolean" },
} as const;

type Job = { id: string; workflow: string; status: string; total: number; tasks_per_s: number; counts: Record<string, number>; error: { message: string } | null };

function client(flag: string | undefined): { base: string; headers: Record<string, string> } {
  const base = (flag ?? process.env.MATRIX_GATEWAY ?? "").replace(/\/+$/, "");
  if (base === "") throw new ConfigError("no gateway: pass --gateway URL or set MATRIX_GATEWAY");
  const token = process.env.MATRIX_TOKEN;
  return { base, headers: token ? { authorization: `Bearer ${token}` } : {} };
}

async function call(c: ReturnType<typeof client>, path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(`${c.base}${path}`, { ...init, headers: { ...c.headers, ...(init.headers as Record<string, string> | undefined) } });
  } catch (err) {
    throw new MatrixError("gateway_unreachable", `cannot reach the gateway at ${c.base} (${(err as Error).cause ?? (err as Error).message})`);
  }
  if (res.ok) return res;
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.message) message = `${body.error.message} (${res.status} ${body.error.code})`;
  } catch {
    // Not our JSON error: the status says enough.
  }
  throw new MatrixError("gateway", message);
}

/** One line about a job. */
export function jobLine(j: Job): string {
  const c = j.counts;
  return `${j.id} ${j.workflow} ${j.status}: ${c.done ?? 0}/${j.total} done (ok ${c.ok ?? 0}, filtered ${c.filtered ?? 0}, error ${c.error ?? 0}), ${c.in_flight ?? 0} in flight, ${j.tasks_per_s} tasks/s${j.error ? `; ${j.error.message}` : ""}`;
}

function readTasks(path: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`--tasks ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return text.split("\n").flatMap((line, i) => {
    if (line.trim() === "") return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      throw new ConfigError(`--tasks ${path}:${i + 1}: invalid JSON`);
    }
  });
}

/** Follows the job's events to the end, printing a progress line per event; returns the final job. */
async function follow(c: ReturnType<typeof client>, id: string): Promise<Job> {
  const res = await call(c, `/v1/jobs/${id}/events`);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += value;
    let at: number;
    while ((at = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, at);
      buf = buf.slice(at + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!data) continue;
      const job = JSON.parse(data) as Job;
      process.stderr.write(jobLine(job) + "\n");
      if (/^event: end$/m.test(block)) return job;
    }
  }
  throw new MatrixError("gateway", "the event stream ended before the job did");
}

export async function submitCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON, tasks: { type: "string" }, dataset: { type: "string" }, "idempotency-key": { type: "string" }, wait: { type: "boolean" } },
  });
  if (values.help) {
    process.stdout.write(SUBMIT_HELP + "\n");
    return 0;
  }
  const [workflow, ...overrides] = positionals;
  if (!workflow) throw new ConfigError("matrix submit: missing workflow name (see matrix submit --help)");
  const bad = overrides.find((o) => !o.includes("="));
  if (bad) throw new ConfigError(`matrix submit: "${bad}" is not a key=value override`);
  if ((values.tasks === undefined) === (values.dataset === undefined)) throw new ConfigError("matrix submit: pass one of --tasks FILE and --dataset PATH");
  const c = client(values.gateway);
  const body = {
    workflow,
    config: overrides,
    ...(values.tasks !== undefined ? { tasks: readTasks(values.tasks) } : { dataset: values.dataset }),
    ...(values["idempotency-key"] ? { idempotency_key: values["idempotency-key"] } : {}),
  };
  const res = await call(c, "/v1/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  let job = (await res.json()) as Job;
  process.stdout.write(values.json ? JSON.stringify(job, null, 2) + "\n" : job.id + "\n");
  if (!values.wait) return 0;
  job = await follow(c, job.id);
  return job.status === "succeeded" ? 0 : 1;
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: COMMON });
  if (values.help) {
    process.stdout.write(STATUS_HELP + "\n");
    return 0;
  }
  const [id] = positionals;
  if (!id) throw new ConfigError("matrix status: missing job id");
  const job = (await (await call(client(values.gateway), `/v1/jobs/${encodeURIComponent(id)}`)).json()) as Job;
  process.stdout.write((values.json ? JSON.stringify(job, null, 2) : jobLine(job)) + "\n");
  return 0;
}

export async function resultsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON, output: { type: "string", short: "o" }, status: { type: "string" }, follow: { type: "boolean" } },
  });
  if (values.help) {
    process.stdout.write(RESULTS_HELP + "\n");
    return 0;
  }
  const [id] = positionals;
  if (!id) throw new ConfigError("matrix results: missing job id");
  const query = new URLSearchParams();
  if (values.status) query.set("status", values.status);
  if (values.follow) query.set("follow", "true");
  const res = await call(client(values.gateway), `/v1/jobs/${encodeURIComponent(id)}/results${query.size ? `?${query}` : ""}`);
  const out: NodeJS.WritableStream = values.output ? createWriteStream(values.output) : process.stdout;
  let rows = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    for (const b of chunk) if (b === 10) rows++;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  if (values.output) {
    await new Promise<void>((r) => out.end(() => r()));
    process.stderr.write(`${rows} rows written to ${values.output}\n`);
  }
  return 0;
}
