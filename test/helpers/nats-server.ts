// Real nats-server processes for tests: one JetStream server or a 3-node cluster on free loopback ports.
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connectNats } from "../../runtime/adapter/nats.ts";

/** One running nats-server with JetStream. */
export type NatsServer = {
  /** Client URL, `nats://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Monitoring (HTTP) port. */
  readonly httpPort: number;
  /** `server_name`, as JetStream reports it (stream leaders, peers). */
  readonly name: string;
  readonly storeDir: string;
  /** The live process (replaced by `restart()`). */
  readonly process: ChildProcess;
  /** Output of the server so far (for failure messages). */
  log(): string;
  /** SIGTERM, wait for exit, remove the store dir. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL (a crash), wait for exit; the store dir is kept so `restart()` recovers it. */
  kill9(): Promise<void>;
  /** Starts the server again on the same ports and store dir (after `kill9()`). */
  restart(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

export type StartNatsServerOptions = {
  /** Server name; default `n<port>`. */
  name?: string;
  /** Extra command-line arguments. */
  args?: string[];
  /** Cluster wiring (used by `startNatsCluster`). */
  cluster?: { name: string; port: number; routes: number[] };
  /** Skip the readiness wait (the cluster helper waits for all nodes together). */
  noWait?: boolean;
};

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test process that dies early must not leave servers behind.
  process.once("exit", () => {
    for (const p of live) p.kill("SIGKILL");
  });
}

/** Path of the nats-server binary, or a clear error telling how to install it. */
export function natsServerBinary(): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/bin", "/usr/bin"];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, "nats-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error("nats-server is not installed (tests need a real server): apt-get install nats-server");
}

/** A free TCP port on 127.0.0.1 (the kernel picks it; it is released before the server binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function waitExit(p: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (p.exitCode !== null || p.signalCode !== null) return true;
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), timeoutMs);
    p.once("exit", () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Polls the monitoring `/healthz` until JetStream reports ok (meta leader known, streams current). */
async function waitHealthy(httpPort: number, proc: () => ChildProcess, log: () => string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  let last = "";
  while (Date.now() - start < timeoutMs) {
    const p = proc();
    if (p.exitCode !== null || p.signalCode !== null) {
      throw new Error(`nats-server exited (${p.exitCode ?? p.signalCode}) while starting:\n${log()}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
      last = await res.text();
      if (res.ok) return;
    } catch (err) {
      last = String(err);
    }
    await sleep(50);
  }
  throw new Error(`nats-server not healthy after ${timeoutMs} ms (${last}):\n${log()}`);
}

/** Starts one nats-server with JetStream on free loopback ports and a temporary store dir. */
export async function startNatsServer(opts: StartNatsServerOptions = {}): Promise<NatsServer> {
  const bin = natsServerBinary();
  installExitHook();
  const port = await freePort();
  const httpPort = await freePort();
  const name = opts.name ?? `n${port}`;
  const storeDir = mkdtempSync(join(tmpdir(), "mx-nats-"));
  const args = ["-a", "127.0.0.1", "-p", String(port), "-m", String(httpPort), "-n", name, "-js", "-sd", storeDir];
  if (opts.cluster) {
    const c = opts.cluster;
    args.push("--cluster_name", c.name, "--cluster", `nats://127.0.0.1:${c.port}`);
    if (c.routes.length > 0) args.push("--routes", c.routes.map((p) => `nats://127.0.0.1:${p}`).join(","));
  }
  args.push(...(opts.args ?? []));

  let output = "";
  let proc: ChildProcess;
  const launch = () => {
    const p = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    live.add(p);
    p.once("exit", () => live.delete(p));
    const keep = (b: Buffer) => {
      output += b.toString();
      if (output.length > 64_000) output = output.slice(-32_000);
    };
    p.stdout?.on("data", keep);
    p.stderr?.on("data", keep);
    proc = p;
  };
  launch();
  let stopped = false;

  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    httpPort,
    name,
    storeDir,
    get process() {
      return proc;
    },
    log: () => output,
    async stop() {
      if (stopped) return;
      stopped = true;
      proc.kill("SIGTERM");
      if (!(await waitExit(proc, 5_000))) {
        proc.kill("SIGKILL");
        await waitExit(proc, 5_000);
      }
      rmSync(storeDir, { recursive: true, force: true });
    },
    async kill9() {
      proc.kill("SIGKILL");
      await waitExit(proc, 5_000);
    },
    async restart() {
      if (proc.exitCode === null && proc.signalCode === null) throw new Error(`nats-server ${name} is still running`);
      launch();
      await waitHealthy(httpPort, () => proc, () => output);
    },
    [Symbol.asyncDispose]() {
      return server.stop();
    },
  };
  if (!opts.noWait) {
    try {
      await waitHealthy(httpPort, () => proc, () => output);
    } catch (err) {
      await server.stop();
      throw err;
    }
  }
  return server;
}

/** A JetStream cluster of nats-server processes routed to each other. */
export type NatsCluster = {
  /** Client URLs of every node. */
  readonly urls: string[];
  readonly servers: NatsServer[];
  /** The node leading `stream` (or its `consumer`) now, asked through the JetStream API of a live node; waits for an election. */
  leaderOf(stream: string, consumer?: string): Promise<NatsServer>;
  /** Stops every node and removes their store dirs. Idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

/** Waits until a JetStream API call answers through `url` (the meta leader is elected and reachable). */
async function waitJetStream(urls: string[], timeoutMs = 30_000): Promise<void> {
  const nc = await connectNats(urls, { name: "test cluster probe", timeoutMs: 5_000 });
  try {
    const jsm = await jetstreamManager(nc, { timeout: 2_000, checkAPI: false });
    const start = Date.now();
    for (;;) {
      try {
        await jsm.getAccountInfo();
        return;
      } catch (err) {
        if (Date.now() - start > timeoutMs) throw new Error(`JetStream cluster not ready after ${timeoutMs} ms: ${String(err)}`);
        await sleep(100);
      }
    }
  } finally {
    await nc.close();
  }
}

/** Starts `size` (default 3) nats-server nodes with JetStream, routed to each other, and waits for a meta leader. */
export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const clusterPorts: number[] = [];
  for (let i = 0; i < size; i++) clusterPorts.push(await freePort());
  const clusterName = `mx-test-${process.pid}-${clusterPorts[0]}`;
  const servers: NatsServer[] = [];
  try {
    for (let i = 0; i < size; i++) {
      const port = clusterPorts[i]!;
      servers.push(
        await startNatsServer({
          name: `${clusterName}-n${i}`,
          cluster: { name: clusterName, port, routes: clusterPorts.filter((p) => p !== port) },
          noWait: true,
        }),
      );
    }
    await Promise.all(servers.map((s) => waitHealthy(s.httpPort, () => s.process, () => s.log(), 30_000)));
    await waitJetStream(servers.map((s) => s.url));
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  const cluster: NatsCluster = {
    urls: servers.map((s) => s.url),
    servers,
    async leaderOf(stream: string, consumer?: string) {
      const alive = servers.filter((s) => s.process.exitCode === null && s.process.signalCode === null);
      const nc = await connectNats(alive.map((s) => s.url), { name: "test leader probe", timeoutMs: 5_000 });
      try {
        // No API check here: the loop below rides out an election, which the check would not.
        const jsm = await jetstreamManager(nc, { timeout: 5_000, checkAPI: false });
        const start = Date.now();
        for (;;) {
          try {
            const info = consumer ? await jsm.consumers.info(stream, consumer) : await jsm.streams.info(stream);
            const node = alive.find((s) => s.name === info.cluster?.leader);
            if (node) return node;
          } catch (err) {
            if (Date.now() - start > 30_000) throw err;
          }
          if (Date.now() - start > 30_000) throw new Error(`${consumer ?? stream} has no leader among the live nodes`);
          await sleep(100);
        }
      } finally {
        await nc.close();
      }
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
    [Symbol.asyncDispose]() {
      return cluster.stop();
    },
  };
  return cluster;
}
