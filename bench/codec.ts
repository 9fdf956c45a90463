// CBOR encode/decode of hop envelopes, with cbor-x's native string extractor and without, under Node and the compiled binary.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { isNativeAccelerationEnabled } from "cbor-x";
import { decode, encode } from "../runtime/message/codec.ts";
import type { Envelope } from "../runtime/message/envelope.ts";
import { benchArgs, printTable, writeResults } from "./report.ts";

const ROOT = resolve(import.meta.dirname, "..");
const ADDON = join(ROOT, "node_modules/@cbor-extract/cbor-extract-linux-x64/node.napi.glibc.node");

/** One measurement: which runtime, whether the addon was active, and per-payload timings. */
type Measurement = { runtime: string; native: boolean; payloads: { name: string; bytes: number; encode_us: number; decode_us: number }[] };

function envelope(turns: number, contentChars: number, extraKeys: number): Envelope {
  const text = (i: number) => `Turn ${i}: ` + "the answer follows from the options given, step by step. ".repeat(Math.ceil(contentChars / 57)).slice(0, contentChars);
  return {
    v: 1,
    run: "r-2f6c1a",
    task: "mmlu-pro-00421:0",
    trial: 0,
    seed: 1_234_567,
    workflow: "coral",
    hop: turns,
    next: turns % 2 === 0 ? "teacher" : "student",
    state: { turn: turns, answers: { teacher: "C", student: "B" }, ...Object.fromEntries(Array.from({ length: extraKeys }, (_, i) => [`k${i}`, i])) },
    input: { id: "mmlu-pro-00421", question: "Which of the following best explains the observed shift?", options: ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"].map((l) => `${l}) option ${l}`), answer: "C" },
    history: Array.from({ length: turns }, (_, i) => ({
      role: i % 2 === 0 ? "teacher" : "student",
      content: text(i),
      usage: { prompt_tokens: 300 + i * 120, completion_tokens: 160 },
      ms: 812,
      ok: true,
      meta: { answer: "C", replica: "http://10.0.0.7:8000/v1" },
    })),
    leases: [],
    attempts: 1,
    created_at: 1_700_000_000_000,
    updated_at: 1_700_000_004_000,
  };
}

const PAYLOADS = [
  { name: "first hop (inference)", value: envelope(0, 0, 0) },
  { name: "coral, 6 turns x 600 chars", value: envelope(6, 600, 4) },
  { name: "tool-use, 40 short turns", value: envelope(40, 80, 30) },
];

function timeUs(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(2000, iterations); i++) fn();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return ((performance.now() - start) * 1000) / iterations;
}

function measure(iterations: number): Measurement {
  const versions = process.versions as Record<string, string | undefined>;
  const runtime = versions.bun !== undefined ? `bun ${versions.bun}` : `node ${process.versions.node}`;
  const payloads = PAYLOADS.map((p) => {
    const bytes = encode(p.value);
    return {
      name: p.name,
      bytes: bytes.byteLength,
      encode_us: timeUs(iterations, () => encode(p.value)),
      decode_us: timeUs(iterations, () => decode(bytes)),
    };
  });
  return { runtime, native: isNativeAccelerationEnabled, payloads };
}

if (process.argv.includes("--measure")) {
  const iterations = Number(process.argv.find((a) => a.startsWith("--iterations="))?.split("=")[1] ?? 20_000);
  process.stdout.write(JSON.stringify(measure(iterations)) + "\n");
} else {
  const args = benchArgs({ iterations: 20_000 });
  // The binary is compiled from this file, so it bundles cbor-x exactly as `dist/matrix` does; the addon sits beside it.
  const dir = mkdtempSync(join(tmpdir(), "matrix-bench-codec-"));
  try {
    const exe = join(dir, "codec");
    await execa(join(ROOT, "node_modules/.bin/bun"), ["build", "--compile", import.meta.filename, "--outfile", exe], { cwd: ROOT });
    mkdirSync(join(dir, "prebuilds/linux-x64"), { recursive: true });
    copyFileSync(ADDON, join(dir, "prebuilds/linux-x64/node.napi.glibc.node"));
    const pure = { CBOR_NATIVE_ACCELERATION_DISABLED: "true" };
    const runs: [string, string, string[], Record<string, string>][] = [
      ["binary", exe, [], {}],
      ["binary", exe, [], pure],
      ["node (sources)", process.execPath, [join(ROOT, "bin/run-ts.js"), import.meta.filename], {}],
      ["node (sources)", process.execPath, [join(ROOT, "bin/run-ts.js"), import.meta.filename], pure],
    ];
    const results: (Measurement & { how: string })[] = [];
    for (const [how, cmd, pre, env] of runs) {
      const { stdout } = await execa(cmd, [...pre, "--measure", `--iterations=${args.iterations}`], { env, cwd: dir });
      results.push({ how, ...(JSON.parse(stdout.trim().split("\n").at(-1)!) as Measurement) });
    }
    const rows = results.flatMap((r) =>
      r.payloads.map((p) => [r.how, r.runtime, r.native ? "native" : "pure-JS", p.name, String(p.bytes), p.encode_us.toFixed(2), p.decode_us.toFixed(2)]),
    );
    printTable(["how", "runtime", "strings", "payload", "bytes", "encode µs", "decode µs"], rows);
    writeResults("codec", { iterations: args.iterations, results });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
