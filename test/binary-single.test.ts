// The single binary: built with `bun build --compile`, it runs every command with no Node and no node_modules.
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildBinary, installCopy, signalInside, withoutNode, type BuiltBinary } from "./helpers/binary.ts";
import { readJsonl } from "./helpers/cli.ts";

let bin: BuiltBinary;
const disposers: (() => void)[] = [];

beforeAll(async () => {
  bin = await buildBinary();
  disposers.push(bin.dispose);
});
afterAll(() => {
  for (const d of disposers.splice(0)) d();
});

function copy(withAddon: boolean) {
  const c = installCopy(bin, withAddon);
  disposers.push(c.dispose);
  return c;
}

describe("binary", () => {
  it("binary - --version prints the version, the Bun runtime, the codec, the commit and the build date", async () => {
    const c = copy(true);
    const r = await withoutNode(c.exe, ["--version"], c.dir);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^matrix \d+\.\d+\.\d+ \(bun \d+\.\d+\.\d+, linux-\w+, cbor native, commit [0-9a-f]{7,}(-dirty)?, built \d{4}-\d\d-\d\dT[\d:]+Z\)$/);
  });

  it("binary - without the addon beside it, cbor-x runs its pure-JS path", async () => {
    const c = copy(false);
    const r = await withoutNode(c.exe, ["--version"], c.dir);
    expect(r.stdout).toContain("cbor pure-JS");
  });

  it("binary - run inference over a few rows on a machine without Node", async () => {
    const c = copy(true);
    const rows = Array.from({ length: 5 }, (_, i) => JSON.stringify({ id: `r${i}`, request: { messages: [{ role: "user", content: `row ${i}` }] } }));
    writeFileSync(join(c.dir, "rows.jsonl"), rows.join("\n") + "\n");
    const r = await withoutNode(c.exe, ["run", "inference", "dataset.path=rows.jsonl", "output.path=out.jsonl", "sim.time_scale=200", "progress.mode=off"], c.dir, { reject: false });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const out = readJsonl(join(c.dir, "out.jsonl"));
    expect(out.map((x) => x.id).sort()).toEqual(["r0", "r1", "r2", "r3", "r4"]);
    expect(out.every((x) => x.status === "ok")).toBe(true);
  });

  it("binary - run coral reads its built-in sample from inside the binary, without dataset.path", async () => {
    const c = copy(true);
    const r = await withoutNode(c.exe, ["run", "coral", "dataset.limit=5", "output.path=out.jsonl", "sim.time_scale=200", "progress.mode=off"], c.dir, { reject: false });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const out = readJsonl(join(c.dir, "out.jsonl"));
    expect(out.map((x) => x.id).sort()).toEqual(["coral-0001", "coral-0002", "coral-0003", "coral-0004", "coral-0005"]);
    // Copied out once into the user's cache (HOME is the copy's directory here), readable by the owner only.
    const cached = readdirSync(join(c.dir, ".cache/matrix/samples"));
    expect(cached).toEqual([expect.stringMatching(/^coral-sample-\w+\.jsonl$/)]);
    expect(statSync(join(c.dir, ".cache/matrix/samples", cached[0]!)).mode & 0o777).toBe(0o600);
  });

  it("binary - sim-llm serves a chat completion, exits 0 on SIGTERM", async () => {
    const c = copy(true);
    const child = withoutNode(c.exe, ["sim-llm", "--port", "0", "--time-scale", "100", "--model", "m-bin"], c.dir, { reject: false, buffer: false });
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+\/v1)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`sim-llm exited ${code} before listening`)));
    });
    const res = await fetch(`${url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m-bin", messages: [{ role: "user", content: "hello" }], max_tokens: 8 }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
    signalInside(child.pid!, "SIGTERM");
    expect((await child).exitCode).toBe(0);
  });
});
