// The sandbox service's pure parts: services.yaml entries, bind specs, the binds granted to clients, lease ids.
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkBinds } from "../apptainer/service/binds.ts";
import { compileSandboxService, parseBindSpec } from "../services/manager/sandbox.ts";
import { parseServicesFile, sandboxServices } from "../services/manager/spec.ts";
import { planReplicas } from "../services/manager/plan.ts";
import { remoteServiceOf, sandboxSubjects, splitLeaseId } from "../runtime/sandbox/nats-protocol.ts";
import { tempDir } from "./helpers/cli.ts";

const tmp = tempDir("matrix-sbx-spec-");
afterAll(() => tmp.dispose());

describe("sandbox service spec", () => {
  it("sandbox nats spec - an engine: sandbox entry compiles to a pool spec and plans no replica", () => {
    const file = parseServicesFile({
      services: [
        { name: "llm", engine: "sim", model: "sim" },
        { name: "tools", engine: "sandbox", capacity: 4, lease_ttl_s: 30, binds: ["/opt/tools", "/data:/in:rw"], allow_binds: ["shared"], work_dir: "work" },
      ],
    });
    const plans = planReplicas(file, { manager_index: 0, hostname: "n1", base_dir: "/srv", visible_gpus: undefined, matrix: ["matrix"] });
    expect(plans.map((p) => p.service)).toEqual(["llm"]);
    const [s] = sandboxServices(file);
    expect(compileSandboxService(s!, "mx", "/srv", 1)).toEqual({
      namespace: "mx",
      service: "tools",
      spec: {
        backend: "bubblewrap",
        max_live: 4,
        lease_ttl_ms: 30_000,
        acquire_timeout_ms: 600_000,
        binds: [
          { src: "/opt/tools", dst: "/opt/tools", ro: true },
          { src: "/data", dst: "/in", ro: false },
        ],
        env: { PATH: "/usr/local/bin:/usr/bin:/bin" },
        output_cap_bytes: 4 << 20,
      },
      allowBinds: ["/srv/shared"],
      maxExecTimeoutS: 600,
      workDir: "/srv/work",
    });
  });

  it.each([
    ["an LLM key", { name: "t", engine: "sandbox", model: "m" }, "services.yaml: services[0].model: unknown key"],
    ["a bad backend", { name: "t", engine: "sandbox", backend: "docker" }, 'services.yaml: services[0].backend: expected ("bubblewrap" | "apptainer" | "process"), got "docker"'],
    ["zero capacity", { name: "t", engine: "sandbox", capacity: 0 }, "services.yaml: services[0].capacity: expected >=1, got 0"],
  ])("sandbox nats spec - %s is refused with the key named", (_what, entry, message) => {
    expect(() => parseServicesFile({ services: [entry] })).toThrow(message);
  });

  it("sandbox nats spec - bind specs and the apptainer image are checked", () => {
    expect(() => parseBindSpec("rel/path", "services[0].binds[0]")).toThrow('services[0].binds[0]: expected "src[:dst[:ro|rw]]" with absolute paths, got "rel/path"');
    expect(() => parseBindSpec("/a:/b:xx", "b")).toThrow("expected");
    const [s] = sandboxServices(parseServicesFile({ services: [{ name: "t", engine: "sandbox", backend: "apptainer" }] }));
    expect(() => compileSandboxService(s!, "mx", "/", 0)).toThrow("services[0].image: the apptainer backend needs an image");
  });

  it("sandbox nats spec - client binds: read-only, inside allow_binds after symlinks, never over / or /sandbox", () => {
    const allowed = join(tmp.dir, "allowed");
    mkdirSync(join(allowed, "sub"), { recursive: true });
    mkdirSync(join(tmp.dir, "secret"));
    symlinkSync(join(tmp.dir, "secret"), join(allowed, "escape"));
    expect(checkBinds([{ src: join(allowed, "sub"), dst: "/data", ro: false }], [allowed])).toEqual([{ src: join(allowed, "sub"), dst: "/data", ro: true }]);
    expect(() => checkBinds([{ src: join(allowed, "escape"), dst: "/x", ro: true }], [allowed])).toThrow("outside the folders");
    expect(() => checkBinds([{ src: "/etc", dst: "/x", ro: true }], [allowed])).toThrow("outside the folders");
    expect(() => checkBinds([{ src: allowed, dst: "/sandbox/in", ro: true }], [allowed])).toThrow("cannot cover");
    expect(() => checkBinds([{ src: join(allowed, "nope"), dst: "/x", ro: true }], [allowed])).toThrow("does not exist");
  });

  it("sandbox nats spec - lease ids name their host; subjects per service and host", () => {
    expect(splitLeaseId("n1-0a1b2c3d:sbx-00ff")).toEqual({ host: "n1-0a1b2c3d", sandbox: "sbx-00ff" });
    expect(splitLeaseId("sbx-00ff")).toBeUndefined();
    expect(remoteServiceOf({ kind: "sandbox", id: "h:s", service: "nats:tools" })).toBe("tools");
    expect(remoteServiceOf({ kind: "sandbox", id: "s", service: "run/tools" })).toBeUndefined();
    const s = sandboxSubjects("mx", "tools");
    expect([s.acquire, s.stats, s.queue, s.exec("h1"), s.release("h1")]).toEqual([
      "mx.sandbox.tools.acquire",
      "mx.sandbox.tools.stats",
      "sandbox-tools",
      "mx.sandbox.tools.host.h1.exec",
      "mx.sandbox.tools.host.h1.release",
    ]);
  });
});
