// The Apptainer wrapper and backend against a test-only `apptainer` on PATH that checks its arguments and runs
// the commands through bwrap: our real code path, real processes, real arguments.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { Apptainer } from "../apptainer/client.ts";
import { apptainerBackend, instanceName } from "../apptainer/backends/apptainer.ts";
import { SandboxPool } from "../apptainer/pool.ts";
import type { SandboxSpec } from "../runtime/sandbox/types.ts";
import { installFakeApptainer } from "./helpers/fake-apptainer-install.ts";
import { readJsonl, runMatrix, tempDir } from "./helpers/cli.ts";
import { domainDir, readTasks } from "./tau2-fixtures.ts";

const tmp = tempDir("matrix-apptainer-");
const fake = installFakeApptainer(tmp.dir);
const image = `${tmp.dir}/tools.sif`;
writeFileSync(image, "FAKE-SIF\n");
const cli = new Apptainer({ env: fake.env });
afterAll(() => tmp.dispose());

describe("apptainer wrapper", () => {
  it("apptainer - instance start, list --json, exec instance://, stop: the argv the CLI documents, run for real", async () => {
    const data = `${tmp.dir}/data`;
    mkdirSync(data);
    writeFileSync(`${data}/in.txt`, "from the host\n");
    const before = fake.calls().length;
    await cli.instanceStart(image, "t1", { containall: true, cleanenv: true, no_home: true, network_none: true, binds: [{ src: data, dst: "/data", ro: true }] }, { timeout_s: 30 });
    expect((await cli.instanceList({ timeout_s: 30 })).map((i) => [i.instance, i.img])).toEqual([["t1", image]]);
    const r = await cli.instanceExec("t1", ["sh", "-c", "cat /data/in.txt; echo $GREETING; touch /data/x 2>/dev/null || echo read-only"], { env: { GREETING: "hi" }, pwd: "/" }, { timeout_s: 30 });
    expect(r).toMatchObject({ exit_code: 0, stdout: "from the host\nhi\nread-only\n", timed_out: false });
    await cli.instanceStop("t1", { timeout_s: 30 });
    expect(await cli.instanceList({ timeout_s: 30 })).toEqual([]);
    expect(fake.calls().slice(before)).toEqual([
      ["instance", "start", "--containall", "--cleanenv", "--no-home", "--net", "--network", "none", "--bind", `${data}:/data:ro`, image, "t1"],
      ["instance", "list", "--json"],
      ["exec", "--env", "GREETING=hi", "--pwd", "/", "instance://t1", "sh", "-c", "cat /data/in.txt; echo $GREETING; touch /data/x 2>/dev/null || echo read-only"],
      ["instance", "stop", "t1"],
      ["instance", "list", "--json"],
    ]);
  });

  it("apptainer - exec past its time limit is killed (timed_out), a bad call fails with the CLI's message, build writes the image", async () => {
    const slow = await cli.exec(image, ["sleep", "30"], { containall: true }, { timeout_s: 1 });
    expect(slow).toMatchObject({ timed_out: true, exit_code: null });
    expect(slow.duration_ms).toBeLessThan(10_000);
    await expect(cli.instanceStop("nope", { timeout_s: 30 })).rejects.toThrow("no instance found with name nope");
    writeFileSync(`${tmp.dir}/tools.def`, "Bootstrap: docker\nFrom: node:20-slim\n");
    await cli.build(`${tmp.dir}/built.sif`, `${tmp.dir}/tools.def`, { force: true }, { timeout_s: 30 });
    expect(readFileSync(`${tmp.dir}/built.sif`, "utf8")).toContain("From: node:20-slim");
  });

  it("apptainer - the backend runs one contained instance per lease with no network and the work dir at /sandbox", async () => {
    const spec: SandboxSpec = { backend: "apptainer", max_live: 2, lease_ttl_ms: 60_000, acquire_timeout_ms: 5_000, binds: [], env: { PATH: "/usr/bin:/bin" }, output_cap_bytes: 1 << 16, image };
    const pool = new SandboxPool("test/apptainer", spec, apptainerBackend({ apptainer: cli }));
    try {
      const l = await pool.acquire("t");
      const box = pool.leases()[0]!;
      const r = await pool.exec(l.id, ["sh", "-c", "pwd; echo ok > out.txt; cat /proc/net/dev | grep -c :"], { timeout_s: 30 });
      expect(r.stdout).toBe("/sandbox\n1\n");
      expect(readFileSync(`${box.workDir}/out.txt`, "utf8")).toBe("ok\n");
      const name = instanceName({ id: l.id, workDir: box.workDir, spec });
      expect(fake.calls().find((c) => c[1] === "start" && c.at(-1) === name)).toEqual([
        "instance", "start", "--containall", "--cleanenv", "--no-home", "--writable-tmpfs", "--net", "--network", "none", "--bind", `${box.workDir}:/sandbox`, image, name,
      ]);
    } finally {
      await pool.close();
    }
    expect(readdirSync(`${fake.state}/instances`)).toEqual([]);
  });

  it("apptainer - tau2 mock oracle run with the tool executor in Apptainer instances: reward 1 everywhere, no instance left", async () => {
    const out = `${tmp.dir}/tau2.jsonl`;
    const r = await runMatrix(
      ["run", "tau2", `dataset.path=${domainDir("mock")}/tasks.json`, `tau2.domain_dir=${domainDir("mock")}`, "tau2.sim_mode=oracle", "tau2.tools.sandbox=apptainer", `tau2.tools.image=${image}`, "sim.time_scale=1000", `output.path=${out}`, "--quiet"],
      { env: { ...fake.env, TMPDIR: tmp.dir } },
    );
    expect(r.code, r.stderr).toBe(0);
    const rows = readJsonl(out);
    expect(rows).toHaveLength(readTasks("mock").length);
    expect(new Set(rows.map((row) => row.reward))).toEqual(new Set([1]));
    const calls = fake.calls();
    const starts = calls.filter((c) => c[0] === "instance" && c[1] === "start").length;
    expect(starts).toBeGreaterThan(0);
    expect(calls.filter((c) => c[0] === "instance" && c[1] === "stop").length).toBeGreaterThanOrEqual(starts);
    expect(readdirSync(`${fake.state}/instances`)).toEqual([]);
  });
});
