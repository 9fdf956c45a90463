// tau2 end to end through `matrix run tau2`: oracle replays score 1 on every task, perturbed ones 0 where a write changes the database.
import { afterAll, describe, expect, it } from "vitest";
import { loadDomain } from "../workflows/tau2/domain.ts";
import { parseTask } from "../workflows/tau2/task.ts";
import { isWrite } from "../workflows/tau2/toolkit.ts";
import { readJsonl, runMatrix, tempDir } from "./helpers/cli.ts";
import { domainDir, readTasks, RETAIL_NO_EFFECTIVE_WRITE } from "./tau2-fixtures.ts";

const tmp = tempDir("matrix-tau2-");
afterAll(() => tmp.dispose());

/** Runs `matrix run tau2` over a whole domain and returns its rows by task id. */
async function runDomain(domain: "retail" | "mock", mode: string, extra: string[] = []): Promise<Map<string, Record<string, unknown>>> {
  const out = `${tmp.dir}/${domain}-${mode}-${extra.length}.jsonl`;
  const r = await runMatrix([
    "run",
    "tau2",
    `dataset.path=${domainDir(domain)}/tasks.json`,
    `tau2.domain_dir=${domainDir(domain)}`,
    `tau2.sim_mode=${mode}`,
    "sim.time_scale=1000",
    `output.path=${out}`,
    "--quiet",
    ...extra,
  ]);
  expect(r.stderr).not.toMatch(/error/i);
  expect(r.code).toBe(0);
  return new Map(readJsonl(out).map((row) => [String(row.id), row]));
}

/** Task ids of a domain whose gold actions include a write. */
function withWrites(domain: "retail" | "mock"): Set<string> {
  const kit = loadDomain(domainDir(domain)).toolkit;
  return new Set(readTasks(domain).map(parseTask).filter((t) => (t.evaluation_criteria?.actions ?? []).some((a) => isWrite(kit, a.name))).map((t) => String(t.id)));
}

describe.each(["retail", "mock"] as const)("tau2 %s", (domain) => {
  it(`tau2 ${domain} - oracle mode: reward 1.0 and a matching database for every task`, async () => {
    const rows = await runDomain(domain, "oracle");
    expect(rows.size).toBe(readTasks(domain).length);
    for (const [id, row] of rows) {
      expect({ id, status: row.status, reward: row.reward, db_match: row.db_match }).toEqual({ id, status: "ok", reward: 1, db_match: true });
      expect(["user_stop", "agent_transfer"]).toContain(row.termination_reason);
    }
  });

  it(`tau2 ${domain} - perturbed mode: reward 0 for every task whose gold actions include a write`, async () => {
    const rows = await runDomain(domain, "perturbed");
    const writes = withWrites(domain);
    expect(writes.size).toBeGreaterThan(0);
    const notZero = [...writes].filter((id) => rows.get(id)?.reward !== 0);
    expect(notZero).toEqual(domain === "retail" ? RETAIL_NO_EFFECTIVE_WRITE : []);
    for (const [id, row] of rows) if (!writes.has(id)) expect(row.reward, id).toBe(1);
  });
});

describe("tau2 rows", () => {
  it("tau2 - a row carries messages, tool calls with results, reward, steps and tokens; the judge grades assertions", async () => {
    const rows = await runDomain("mock", "oracle", ["tau2.judge=true", "dataset.limit=2"]);
    const row = rows.get("create_task_1")!;
    expect(row.termination_reason).toBe("user_stop");
    expect(row.tool_calls).toEqual([
      { name: "create_task", arguments: { user_id: "user_1", title: "Important Meeting" }, ok: true, result: JSON.stringify({ task_id: "task_2", title: "Important Meeting", description: null, status: "pending" }) },
    ]);
    const messages = row.messages as Array<{ role: string; content?: unknown }>;
    expect(messages.map((m) => m.role)).toEqual(["assistant", "user", "assistant", "tool", "assistant", "user"]);
    expect(messages.at(-1)!.content).toContain("###STOP###");
    expect(row.steps).toBe(5);
    expect((row.tokens as { prompt: number }).prompt).toBeGreaterThan(0);
    expect(row.nl_assertions).toEqual([{ assertion: "The agent confirmed the task was created successfully", met: true, reason: "The conversation shows it." }]);
  });

  it("tau2 - a missing domain folder stops the run with one clear line (exit 2)", async () => {
    const r = await runMatrix(["run", "tau2", `dataset.path=${domainDir("mock")}/tasks.json`, `tau2.domain_dir=${tmp.dir}/nope/mock`, "--quiet"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("domain folder");
  });
});
