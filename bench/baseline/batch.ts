// The batch-level scheduling baseline: a batch of tasks advances one stage at a time and waits for its slowest member.
import { randomUUID } from "node:crypto";
import type { RunConfig } from "../../runtime/config/schema.ts";
import { silentLogger } from "../../runtime/log.ts";
import { SINK, type Envelope } from "../../runtime/message/envelope.ts";
import { RunResources } from "../../runtime/modes/resources.ts";
import { readDataset } from "../../runtime/dataset.ts";
import { deriveSeed } from "../../runtime/seed.ts";
import { newEnvelope, taskId } from "../../runtime/source.ts";
import type { WorkflowDefinition } from "../../runtime/workflow.ts";
import { stepHop } from "./step.ts";

export type BatchRunResult = {
  tasks: number;
  ok: number;
  filtered: number;
  error: number;
  elapsed_s: number;
  prompt_tokens: number;
  completion_tokens: number;
  sim: Record<string, unknown> | undefined;
};

/**
 * Runs `config` with batch-level scheduling: tasks are taken `batchSize` at a time; within a batch every task
 * does its next hop concurrently, and the batch moves to the following hop only when all of them have finished
 * (as the paper's baselines do). The same workflow code, LLM client and simulated LLM as `matrix run`.
 */
export async function runBatchLevel(config: RunConfig, wf: WorkflowDefinition, batchSize: number): Promise<BatchRunResult> {
  const resources = new RunResources(config.llm, config.sim, silentLogger);
  const run = randomUUID();
  const counts = { ok: 0, filtered: 0, error: 0 };
  const started = performance.now();

  const finish = (msg: Envelope) => {
    if (msg.error) {
      counts.error++;
      return;
    }
    try {
      counts[wf.output(msg, config.params).status]++;
    } catch {
      counts.error++;
    }
  };

  const runBatch = async (batch: Envelope[]) => {
    let active = batch;
    while (active.length > 0) {
      // One stage for every member; the slowest decides when the next stage starts.
      await Promise.all(active.map((msg) => stepHop(wf, msg, config.params, resources)));
      for (const m of active) if (m.next === SINK) finish(m);
      active = active.filter((m) => m.next !== SINK);
    }
  };

  let tasks = 0;
  let batch: Envelope[] = [];
  for await (const item of readDataset(config.dataset.path, config.dataset.limit)) {
    if (!("row" in item)) continue;
    const key = String(item.row[config.dataset.id_key] ?? `L${item.line}`);
    for (let trial = 0; trial < config.trials; trial++) {
      const task = taskId(key, trial);
      batch.push(
        newEnvelope({
          run,
          workflow: wf.name,
          task,
          trial,
          seed: deriveSeed(config.seed, task),
          first: wf.first,
          input: item.row,
          state: wf.init(item.row, config.params),
        }),
      );
      tasks++;
      if (batch.length === batchSize) {
        await runBatch(batch);
        batch = [];
      }
    }
  }
  if (batch.length > 0) await runBatch(batch);

  const elapsed = (performance.now() - started) / 1000;
  const sim = resources.sim?.stats() as Record<string, unknown> | undefined;
  const t = resources.meter.totals();
  await resources.close();
  return {
    tasks,
    ...counts,
    elapsed_s: elapsed,
    prompt_tokens: t.prompt_tokens,
    completion_tokens: t.completion_tokens,
    sim,
  };
}
