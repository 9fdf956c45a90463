// Snapshot tests of the rendered sbatch scripts; the realistic example in docs/examples/ is rendered here so it stays current.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { compileDeployment, renderDeployment } from "../slurm/mod.ts";
import { ROOT } from "./helpers/cli.ts";

const EXAMPLES = join(ROOT, "docs/examples");

describe("slurm render", () => {
  it("render - the docs example (64 replicas on 8x8 GPUs, 32 agents, 3 NATS servers, a gateway) matches docs/examples/scripts", async () => {
    const file = join(EXAMPLES, "deploy.yaml");
    const d = compileDeployment(parse(readFileSync(file, "utf8")), { source: file, baseDir: EXAMPLES });
    const jobs = renderDeployment(d);
    expect(jobs.map((j) => [j.group, j.kind, j.tasks, j.afterNats])).toEqual([
      ["nats", "nats", 1, false],
      ["llama-8b", "service-manager", 64, true],
      ["coral", "agent", 32, true],
      ["gateway", "gateway", 1, true],
    ]);
    for (const j of jobs) await expect(j.text).toMatchFileSnapshot(join(EXAMPLES, "scripts", `${j.group}.sbatch`));
  });

  it("render - array tasks map to replicas, agents drain on USR1 and requeue, scripts read the NATS URL file", () => {
    const d = compileDeployment(
      { name: "t", binary: "/b/matrix", run_dir: "/r", nats: { start: true }, service_managers: { llm: { config: "/c.yaml", array: 2, gpus: 2 } }, agents: { a: { workflows: ["coral", "inference"], roles: ["teacher"], array: 3, concurrency: 8, drain_s: 60 } } },
      { source: "deploy.yaml", baseDir: "/" },
    );
    const [nats, llm, agents] = renderDeployment(d);
    expect(nats!.text).toContain('echo "nats://$HOST:$PORT" > "$URL_FILE.tmp" && mv "$URL_FILE.tmp" "$URL_FILE"');
    expect(nats!.text).not.toContain("--array");
    expect(llm!.text).toContain("#SBATCH --array=0-1\n");
    expect(llm!.text).toContain("#SBATCH --gres=gpu:2\n");
    expect(llm!.text).toContain('REPLICA=${SLURM_ARRAY_TASK_ID:-0}');
    expect(llm!.text).toContain('exec "$MATRIX" service-manager --nats "$NATS_URL" --namespace mx --config /c.yaml --replica "$REPLICA"');
    expect(agents!.text).toContain("#SBATCH --signal=B:USR1@60\n#SBATCH --requeue\n");
    expect(agents!.text).toContain('"$MATRIX" agent --nats "$NATS_URL" --namespace mx --workflows coral,inference --roles teacher --concurrency 8 &');
    expect(agents!.text).toContain("NATS_URL_FILE=/r/nats.url");
    expect(agents!.text).toContain("#SBATCH --output=/r/logs/a/%a.log");
  });

  it("render - an existing NATS URL is written into the scripts and no NATS job is rendered", () => {
    const d = compileDeployment({ binary: "/b/matrix", nats: { url: "nats://n1:4222,nats://n2:4222" }, agents: { a: { workflows: ["coral"], array: 1, requeue: false, setup: ["module load x"], env: { HF_HOME: "/shared/hf cache" } } } }, { source: "deploy.yaml", baseDir: "/" });
    const jobs = renderDeployment(d);
    expect(jobs.map((j) => j.group)).toEqual(["a"]);
    expect(jobs[0]!.afterNats).toBe(false);
    expect(jobs[0]!.text).toContain("NATS_URL=nats://n1:4222,nats://n2:4222\n");
    expect(jobs[0]!.text).not.toContain("--requeue");
    expect(jobs[0]!.text).not.toContain("scontrol requeue");
    expect(jobs[0]!.text).toContain("export HF_HOME='/shared/hf cache'\nmodule load x\n");
  });

  it("render - the gateway binds the given host with a tokens file and allowed roots, and writes its advertised URL", () => {
    const d = compileDeployment(
      { binary: "/b/matrix", run_dir: "/r", namespace: "ns1", nats: { start: true }, gateway: { port: 9000, host: "10.1.2.3", advertise: "gw-node.ib", tokens_file: "/etc/matrix/tokens", allowed_roots: ["/data"] } },
      { source: "deploy.yaml", baseDir: "/" },
    );
    const gw = renderDeployment(d).find((j) => j.kind === "gateway")!;
    expect(gw.text).toContain('"$MATRIX" gateway --nats "$NATS_URL" --namespace ns1 --host 10.1.2.3 --port "$PORT" --tokens-file "$TOKENS_FILE" --allowed-root /data &');
    expect(gw.text).toContain("PORT=9000\nHOST=gw-node.ib\nTOKENS_FILE=/etc/matrix/tokens\n");
    expect(gw.text).not.toContain("matrix slurm up wrote one random token");
    expect(gw.text).toContain('echo "http://$HOST:$PORT" > "$URL_FILE.tmp" && mv "$URL_FILE.tmp" "$URL_FILE"');
  });
});
