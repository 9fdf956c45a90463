// Tests of `matrix sim-llm`: option parsing and precedence, the ready line, clean shutdown, exit 2 on bad options.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../runtime/errors.ts";
import { parseSimLlmArgs } from "../services/sim/cli.ts";

const BIN = fileURLToPath(new URL("../bin/matrix.js", import.meta.url));

function parsed(argv: string[]) {
  const r = parseSimLlmArgs(argv);
  if (r.help) throw new Error("help");
  return r;
}

describe("sim cli", () => {
  it("sim cli - profile, then --set, then the dedicated flags", () => {
    const r = parsed([
      "--profile",
      "llama-8b-h100",
      "--set",
      "time_scale=5",
      "--set",
      "output_len.dist=fixed",
      "--set",
      "output_len.value=64",
      "--set",
      "fixed_latency_ms=null",
      "--time-scale",
      "20",
      "--max-num-seqs",
      "8",
      "--port",
      "0",
    ]);
    expect(r.port).toBe(0);
    expect(r.host).toBe("127.0.0.1");
    expect(r.options).toMatchObject({
      model: "meta-llama/Llama-3.1-8B-Instruct",
      decode_step_ms: 7,
      time_scale: 20,
      max_num_seqs: 8,
      fixed_latency_ms: null,
      output_len: { dist: "fixed", value: 64, median: 200 },
    });
    expect(parsed([]).port).toBe(8000);
    expect(parseSimLlmArgs(["--help"])).toEqual({ help: true });
  });

  it("sim cli - bad options are ConfigErrors naming the option", () => {
    const bad: [string[], RegExp][] = [
      [["--set", "nope=1"], /sim option nope: unknown option/],
      [["--set", "output_len.dist=weird"], /output_len\.dist/],
      [["--set", "novalue"], /KEY=VALUE/],
      [["--profile", "xx"], /unknown profile "xx"/],
      [["--port", "70000"], /--port/],
      [["--time-scale", "fast"], /--time-scale/],
      [["--max-num-seqs", "0"], /max_num_seqs/],
    ];
    for (const [argv, message] of bad) {
      expect(() => parseSimLlmArgs(argv)).toThrow(ConfigError);
      expect(() => parseSimLlmArgs(argv)).toThrow(message);
    }
  });

  it("sim cli - prints the ready line, serves, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "sim-llm", "--port", "0", "--time-scale", "100", "--model", "m7"], { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const nl = out.indexOf("\n");
          if (nl >= 0) resolve(out.slice(0, nl));
        });
        child.once("exit", (code) => reject(new Error(`exited ${code} before listening`)));
      });
      const m = /^sim-llm listening on (http:\/\/127\.0\.0\.1:\d+\/v1) \(model m7\)$/.exec(line);
      expect(m).not.toBeNull();
      const models = (await (await fetch(`${m![1]}/models`)).json()) as { data: { id: string }[] };
      expect(models.data[0]!.id).toBe("m7");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("sim cli - exits 2 with one line on a bad option", async () => {
    const child = spawn(process.execPath, [BIN, "sim-llm", "--set", "nope=1"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
    expect(code).toBe(2);
    expect(err.trim().split("\n")).toHaveLength(1);
    expect(err).toMatch(/^matrix sim-llm: sim option nope: unknown option/);
  });
});
