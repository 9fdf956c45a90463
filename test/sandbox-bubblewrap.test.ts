// Bubblewrap sandboxes for real: the exact bwrap argv, no network, no writes outside the work dir, timeouts kill the tree.
import { createServer, type Server } from "node:net";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bubblewrapArgs } from "../apptainer/backends/bubblewrap-args.ts";
import { bubblewrapBackend } from "../apptainer/backends/bubblewrap.ts";
import { processBackend } from "../apptainer/backends/process.ts";
import { SandboxPool } from "../apptainer/pool.ts";
import type { SandboxSpec } from "../runtime/sandbox/types.ts";
import { tempDir } from "./helpers/cli.ts";

const tmp = tempDir("matrix-bwrap-");
const readonlyDir = `${tmp.dir}/readonly`;
const spec: SandboxSpec = {
  backend: "bubblewrap",
  max_live: 4,
  lease_ttl_ms: 60_000,
  acquire_timeout_ms: 5_000,
  binds: [{ src: readonlyDir, dst: "/data", ro: true }],
  env: { PATH: "/usr/bin:/bin" },
  output_cap_bytes: 1 << 16,
};
let pool: SandboxPool;
let server: Server;
let port = 0;

beforeAll(async () => {
  mkdirSync(readonlyDir);
  pool = new SandboxPool("test/bwrap", spec, bubblewrapBackend());
  server = createServer((s) => s.end("hello\n"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  await pool.close();
  await new Promise((r) => server.close(r));
  tmp.dispose();
});

/** A node one-liner that connects to the host's test server and prints what happened. */
const connect = (p: number) => [
  process.execPath,
  "-e",
  `const s=require("net").connect(${p},"127.0.0.1");s.on("data",d=>{console.log("CONNECTED "+d);process.exit(0)});s.on("error",e=>{console.log("FAILED "+e.code);process.exit(0)})`,
];

describe("bubblewrap", () => {
  it("bubblewrap - argv: read-only system, private proc/dev/tmp, binds, writable work dir, root read-only, no network", () => {
    expect(
      bubblewrapArgs({
        layout: [{ path: "/usr", kind: "dir" }, { path: "/lib", kind: "symlink", target: "usr/lib" }, { path: "/etc/ld.so.cache", kind: "file" }],
        workDir: "/var/lib/mx/sbx-1",
        binds: [{ src: "/data/retail", dst: "/data/retail", ro: true }, { src: "/scratch", dst: "/scratch", ro: false }],
        env: { PATH: "/usr/bin", LANG: "C.UTF-8" },
        cmd: ["node", "runner.mjs"],
      }),
    ).toMatchInlineSnapshot(`
      [
        "--ro-bind",
        "/usr",
        "/usr",
        "--symlink",
        "usr/lib",
        "/lib",
        "--ro-bind",
        "/etc/ld.so.cache",
        "/etc/ld.so.cache",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--ro-bind",
        "/data/retail",
        "/data/retail",
        "--bind",
        "/scratch",
        "/scratch",
        "--bind",
        "/var/lib/mx/sbx-1",
        "/sandbox",
        "--chdir",
        "/sandbox",
        "--remount-ro",
        "/",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox",
        "--clearenv",
        "--setenv",
        "PATH",
        "/usr/bin",
        "--setenv",
        "LANG",
        "C.UTF-8",
        "--",
        "node",
        "runner.mjs",
      ]
    `);
  });

  it("bubblewrap - an exec cannot reach the network: the host's server is reachable outside, refused inside", async () => {
    const outside = new SandboxPool("test/plain", { ...spec, backend: "process" }, processBackend());
    try {
      const o = await outside.acquire("control");
      expect((await outside.exec(o.id, connect(port), { timeout_s: 10 })).stdout).toContain("CONNECTED hello");
    } finally {
      await outside.close();
    }
    const l = await pool.acquire("net");
    const r = await pool.exec(l.id, connect(port), { timeout_s: 10 });
    expect(r.stdout.trim()).toBe("FAILED ECONNREFUSED");
    const ifaces = await pool.exec(l.id, [process.execPath, "-e", "console.log(Object.keys(require('os').networkInterfaces()).join(','))"]);
    expect(ifaces.stdout.trim()).toBe("lo");
    await pool.release(l.id);
  });

  it("bubblewrap - an exec writes only its work dir: system, binds, root and host paths are read-only or invisible", async () => {
    const l = await pool.acquire("fs");
    const workDir = pool.leases().find((x) => x.lease.id === l.id)!.workDir;
    const tryWrite = (path: string) => `if echo x > ${path} 2>/dev/null; then echo "WROTE ${path}"; else echo "DENIED ${path}"; fi`;
    const script = [tryWrite("/sandbox/out.txt"), tryWrite("/usr/evil"), tryWrite("/etc/evil"), tryWrite("/data/evil"), tryWrite("/evil"), tryWrite(`${workDir}/../evil`), tryWrite("/tmp/scratch"), "cat /tmp/scratch"].join("; ");
    const r = await pool.exec(l.id, ["sh", "-c", script]);
    expect(r.stdout.trim().split("\n")).toEqual([
      "WROTE /sandbox/out.txt",
      "DENIED /usr/evil",
      "DENIED /etc/evil",
      "DENIED /data/evil",
      "DENIED /evil",
      `DENIED ${workDir}/../evil`,
      "WROTE /tmp/scratch",
      "x",
    ]);
    expect(readFileSync(`${workDir}/out.txt`, "utf8")).toBe("x\n");
    expect(existsSync(`${readonlyDir}/evil`)).toBe(false);
    expect(existsSync(`${workDir}/../evil`)).toBe(false);
    // The private /tmp is gone with the exec; the work dir persists across execs of one lease.
    const again = await pool.exec(l.id, ["sh", "-c", "ls /tmp; cat /sandbox/out.txt"]);
    expect(again.stdout).toBe("x\n");
    await pool.release(l.id);
    expect(existsSync(workDir)).toBe(false);
  });

  it("bubblewrap - a command past its time limit is killed with every process it started", async () => {
    // A sleep length unique to this test run, to find its processes by command line.
    const marker = `30.${process.pid}`;
    const l = await pool.acquire("slow");
    const r = await pool.exec(l.id, ["sh", "-c", `sleep ${marker} & sleep ${marker}; echo never`], { timeout_s: 0.5 });
    expect(r).toMatchObject({ timed_out: true, exit_code: null });
    expect(r.duration_ms).toBeLessThan(5_000);
    await new Promise((res) => setTimeout(res, 200));
    const left = execFileSync("ps", ["-eo", "stat,args"], { encoding: "utf8" }).split("\n").filter((line) => line.includes(`sleep ${marker}`) && !line.startsWith("Z"));
    expect(left).toEqual([]);
    await pool.release(l.id);
  });
});
