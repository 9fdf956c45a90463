// Unit tests of deploy.yaml: compiled defaults, and one-line errors naming the key before anything is submitted.
import { chmodSync, statSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../runtime/errors.ts";
import { compileDeployment, loadDeployment, writeScripts } from "../slurm/mod.ts";
import { tempDir } from "./helpers/cli.ts";

const base = { binary: "/shared/matrix", nats: { start: true }, agents: { a: { workflows: ["coral"], array: 2 } } };
const compile = (tree: unknown) => compileDeployment(tree, { source: "/x/deploy.yaml", baseDir: "/x" });
const tmp = tempDir("matrix-deploy-");
afterAll(() => tmp.dispose());

describe("slurm deploy file", () => {
  it("deploy - defaults fill in and paths resolve against the file's directory", () => {
    const d = compile({ ...base, defaults: { account: "acc", partition: "p1", extra: ["--exclusive"] }, service_managers: { llm: { config: "s.yaml", array: 4, gpus: 1, partition: "gpu" } } });
    expect(d).toMatchObject({ name: "matrix", binary: "/shared/matrix", runDir: "/x/matrix-run", namespace: "mx" });
    expect(d.nats).toMatchObject({ kind: "start", servers: 1, port: 4222, httpPort: 8222, binary: "nats-server" });
    expect(d.serviceManagers[0]).toMatchObject({ name: "llm", config: "/x/s.yaml", array: 4, gpus: 1, resources: { partition: "gpu", account: "acc", extra: ["--exclusive"] } });
    expect(d.agents[0]).toMatchObject({ name: "a", concurrency: 32, drainSeconds: 120, requeue: true, resources: { partition: "p1" } });
    expect(compile({ ...base, nats: { url: "nats://h:4222" } }).nats).toEqual({ kind: "existing", url: "nats://h:4222" });
  });

  it("deploy - broken files fail with one line naming the key", () => {
    const cases: [unknown, string][] = [
      [{ ...base, agents: { a: { workflows: ["coral"], array: 2, concurency: 4 } } }, 'deploy.yaml: unknown key "agents.a.concurency"'],
      [{ ...base, agents: { a: { workflows: ["coral"], array: -2 } } }, 'deploy.yaml: key "agents.a.array": must be at least 1, got -2'],
      [{ nats: { start: true } }, 'deploy.yaml: key "binary" is required'],
      [{ ...base, nats: { start: true, url: "nats://h:1" } }, "set either start: true or url"],
      [{ ...base, nats: { start: true, servers: 2 } }, 'key "nats.servers": expected'],
      [{ ...base, service_managers: { s: { config: "s.yaml", array: 1.5 } } }, 'key "service_managers.s.array": must be a whole number'],
      [{ ...base, agents: { a: { workflows: [], array: 1 } } }, 'key "agents.a.workflows": must name at least one workflow'],
      [{ ...base, agents: { a: { workflows: ["c"], array: 1, memory: "lots" } } }, 'key "agents.a.memory"'],
      [{ ...base, service_managers: { a: { config: "s.yaml", array: 1 } } }, 'key "agents.a": group names must be unique'],
      [{ ...base, defaults: { extra: ["constraint=h100"] } }, 'key "defaults.extra.0": must be an sbatch option'],
    ];
    for (const [tree, message] of cases) {
      let err: unknown;
      try {
        compile(tree);
      } catch (e) {
        err = e;
      }
      expect(err, message).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toContain(message);
      expect((err as Error).message).not.toContain("\n");
    }
  });

  it("deploy - a missing binary or services config fails when loading the file", () => {
    const file = join(tmp.dir, "deploy.yaml");
    writeFileSync(file, "binary: ./matrix\nnats: { start: true }\nservice_managers:\n  llm: { config: services.yaml, array: 2 }\n");
    expect(() => loadDeployment(file)).toThrow(/deploy\.yaml: key "binary": .*matrix is not an executable file/);
    writeFileSync(join(tmp.dir, "matrix"), "#!/bin/sh\n");
    chmodSync(join(tmp.dir, "matrix"), 0o755);
    expect(() => loadDeployment(file)).toThrow(/key "service_managers\.llm\.config": cannot read .*services\.yaml/);
    writeFileSync(join(tmp.dir, "services.yaml"), "services: []\n");
    expect(loadDeployment(file).runDir).toBe(join(tmp.dir, "matrix-run"));
    writeFileSync(file, "binary: ./matrix\nnats: { start: true }\ngateway: { tokens_file: tokens.txt }\n");
    expect(() => loadDeployment(file)).toThrow(/key "gateway\.tokens_file": cannot read .*tokens\.txt/);
    writeFileSync(join(tmp.dir, "tokens.txt"), "s3cret-token-1\n", { mode: 0o644 });
    chmodSync(join(tmp.dir, "tokens.txt"), 0o644);
    expect(() => loadDeployment(file)).toThrow(/key "gateway\.tokens_file": .*tokens\.txt is readable by other users \(chmod 600 it\)/);
    chmodSync(join(tmp.dir, "tokens.txt"), 0o600);
    expect(loadDeployment(file).gateway).toMatchObject({ tokensFile: join(tmp.dir, "tokens.txt"), generateTokens: false });
    writeFileSync(file, "binary: ./matrix\nnats: [oops\n");
    expect(() => loadDeployment(file)).toThrow(/^deploy\.yaml(:\d+)?: invalid YAML/);
  });

  it("deploy - a gateway binds every interface; without tokens_file the scripts' writer creates one random token, mode 0600, kept across rewrites", () => {
    const runDir = join(tmp.dir, "gw-run");
    const d = compileDeployment({ ...base, run_dir: runDir, gateway: {} }, { source: join(tmp.dir, "deploy.yaml"), baseDir: tmp.dir });
    expect(d.gateway).toMatchObject({ port: 8080, host: "0.0.0.0", advertise: undefined, tokensFile: join(runDir, "gateway.tokens"), generateTokens: true, allowedRoots: [] });
    writeScripts(d);
    const tokens = join(runDir, "gateway.tokens");
    const token = readFileSync(tokens, "utf8");
    expect(token).toMatch(/^[\w-]{43}\n$/);
    expect(statSync(tokens).mode & 0o777).toBe(0o600);
    writeScripts(d);
    expect(readFileSync(tokens, "utf8")).toBe(token);
  });
});
