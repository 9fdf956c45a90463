// A real single-node SLURM cluster for tests: munged, slurmctld and slurmd in a temp dir on non-default ports.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { freePort } from "./nats-server.ts";

/** A running cluster; every SLURM command must get `env` (it points `SLURM_CONF` at this cluster). */
export type SlurmCluster = {
  readonly dir: string;
  readonly conf: string;
  readonly node: string;
  /** Environment for sbatch, squeue, scontrol, scancel and `matrix slurm`. */
  readonly env: Record<string, string>;
  /** Runs a SLURM client command against this cluster. */
  run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** Daemon logs (for failure messages). */
  logs(): string;
  /** Cancels every job, waits until none is left, stops the daemons by PID and removes the directory. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

const SBIN = ["/usr/sbin", "/usr/bin", "/usr/local/sbin"];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const live = new Set<ChildProcess>();

function slurmConf(o: { name: string; node: string; dir: string; socket: string; ctldPort: number; slurmdPort: number }): string {
  return [
    `ClusterName=${o.name}`,
    `SlurmctldHost=${o.node}(127.0.0.1)`,
    `SlurmctldPort=${o.ctldPort}`,
    `SlurmdPort=${o.slurmdPort}`,
    "SlurmUser=root",
    "AuthType=auth/munge",
    "CredType=cred/munge",
    `AuthInfo=socket=${o.socket}`,
    "ProctrackType=proctrack/linuxproc",
    "TaskPlugin=task/none",
    "SelectType=select/cons_tres",
    "SelectTypeParameters=CR_Core",
    "AccountingStorageType=accounting_storage/none",
    "JobCompType=jobcomp/filetxt",
    `JobCompLoc=${o.dir}/jobcomp.txt`,
    "MailProg=/bin/true",
    `StateSaveLocation=${o.dir}/state`,
    `SlurmdSpoolDir=${o.dir}/spool`,
    `SlurmctldPidFile=${o.dir}/run/slurmctld.pid`,
    `SlurmdPidFile=${o.dir}/run/slurmd.pid`,
    `SlurmctldLogFile=${o.dir}/log/slurmctld.log`,
    `SlurmdLogFile=${o.dir}/log/slurmd.log`,
    "ReturnToService=2",
    // Short cancel grace (KillWait) keeps teardown quick; scancel still sends TERM before KILL.
    "KillWait=5",
    `NodeName=${o.node} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN`,
    // A deployment has more long-running tasks than the node has cores: let up to 8 jobs share each core.
    `PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8`,
    "",
  ].join("\n");
}

function daemon(cmd: string, args: string[], env: Record<string, string>, logFile: string): ChildProcess {
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
  p.stderr?.on("data", (b: Buffer) => {
    try {
      writeFileSync(logFile, b, { flag: "a" });
    } catch {
      // the directory is gone after stop()
    }
  });
  live.add(p);
  p.once("exit", () => live.delete(p));
  return p;
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once("exit", () => r()));
  p.kill("SIGTERM");
  const timer = setTimeout(() => p.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Starts munged, slurmctld and slurmd; resolves once the node is idle. */
export async function startSlurmCluster(): Promise<SlurmCluster> {
  process.once("exit", () => {
    for (const p of live) p.kill("SIGKILL");
  });
  const dir = mkdtempSync(join(tmpdir(), "mx-slurm-"));
  // munged refuses a socket in a directory others cannot reach, and a key in a directory others can read.
  chmodSync(dir, 0o755);
  for (const d of ["state", "spool", "run", "log", "munge-key", "munge-run"]) mkdirSync(join(dir, d));
  chmodSync(join(dir, "munge-key"), 0o700);
  chmodSync(join(dir, "munge-run"), 0o755);
  const key = join(dir, "munge-key", "munge.key");
  const socket = join(dir, "munge-run", "munge.socket");
  await execa("/usr/sbin/mungekey", ["--create", `--keyfile=${key}`]);

  const node = hostname();
  const conf = join(dir, "slurm.conf");
  const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
  writeFileSync(conf, slurmConf({ name: `mx${ctldPort}`, node, dir, socket, ctldPort, slurmdPort }));
  const env = { SLURM_CONF: conf };
  const procs: ChildProcess[] = [];

  const munged = daemon(
    "/usr/sbin/munged",
    ["-F", "--force", `--socket=${socket}`, `--key-file=${key}`, `--pid-file=${join(dir, "munge-run", "munged.pid")}`, `--log-file=${join(dir, "log", "munged.log")}`, `--seed-file=${join(dir, "munge-key", "seed")}`],
    env,
    join(dir, "log", "munged.stderr"),
  );
  procs.push(munged);
  for (let i = 0; i < 100; i++) {
    try {
      readFileSync(join(dir, "munge-run", "munged.pid"));
      break;
    } catch {
      await sleep(50);
    }
  }
  procs.push(daemon(join(SBIN[0]!, "slurmctld"), ["-D", "-i", "-f", conf], env, join(dir, "log", "slurmctld.stderr")));
  procs.push(daemon(join(SBIN[0]!, "slurmd"), ["-D", "-f", conf], env, join(dir, "log", "slurmd.stderr")));

  const logs = () =>
    ["munged.log", "slurmctld.log", "slurmd.log", "slurmctld.stderr", "slurmd.stderr", "munged.stderr"]
      .map((f) => {
        try {
          return `--- ${f}\n${readFileSync(join(dir, "log", f), "utf8").slice(-4000)}`;
        } catch {
          return "";
        }
      })
      .join("\n");
  const run = async (cmd: string, args: string[]) => {
    const r = await execa(cmd, args, { env, reject: false, timeout: 30_000 });
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };

  let stopped = false;
  const cluster: SlurmCluster = {
    dir,
    conf,
    node,
    env,
    run,
    logs,
    async stop() {
      if (stopped) return;
      stopped = true;
      // Jobs first: slurmd must see their steps end, or their processes would outlive the cluster.
      const jobs = await run("squeue", ["--noheader", "--format=%A"]);
      const ids = jobs.stdout.split("\n").map((s) => s.trim()).filter((s) => /^\d+$/.test(s));
      if (ids.length > 0) {
        await run("scancel", ids);
        for (let i = 0; i < 200; i++) {
          const left = await run("squeue", ["--noheader", "--format=%A"]);
          if (left.stdout.trim() === "") break;
          await sleep(100);
        }
      }
      for (const p of [...procs].reverse()) await stopProcess(p);
      rmSync(dir, { recursive: true, force: true });
    },
    [Symbol.asyncDispose]() {
      return cluster.stop();
    },
  };

  try {
    const start = Date.now();
    for (;;) {
      for (const p of procs) {
        if (p.exitCode !== null || p.signalCode !== null) throw new Error(`a SLURM daemon exited while starting:\n${logs()}`);
      }
      const r = await run("sinfo", ["--noheader", "--format=%t"]);
      if (r.code === 0 && r.stdout.trim() === "idle") break;
      if (Date.now() - start > 20_000) throw new Error(`SLURM node not idle after 20 s (sinfo: ${r.stdout.trim()} ${r.stderr.trim()}):\n${logs()}`);
      await sleep(100);
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
