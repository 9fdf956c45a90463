// Fake `vllm` and `python` executables for tests: they record their flags, then serve the simulated LLM on the asked port.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BIN_JS } from "./cli.ts";

/** One start of a fake engine, as it recorded itself. */
export type FakeEngineCall = { pid: number; engine: "vllm" | "sglang"; gpus: string; args: string[] };

export type FakeEngines = {
  /** Directory holding `vllm` and `python`: put it first on PATH. */
  binDir: string;
  /** Every start so far, in order. */
  calls(): FakeEngineCall[];
  /** PATH with the fakes first. */
  path: string;
};

/**
 * Writes the fakes into `dir`. Each records `pid<TAB>engine<TAB>CUDA_VISIBLE_DEVICES<TAB>args` (args separated by
 * \x1f) and then `exec`s `node bin/matrix.js sim-llm` on the port and model it was asked for, with `simArgs`
 * (sim options such as `--set time_scale=50`) and $FAKE_SIM_ARGS appended. `exec` keeps the pid, so killing the
 * recorded pid kills the server.
 */
export function createFakeEngines(dir: string, simArgs: string[] = []): FakeEngines {
  const callsFile = join(dir, "calls.tsv");
  const script = (engine: "vllm" | "sglang", modelFlag: string) => `#!/bin/sh
# Fake ${engine} for tests: records its flags, then serves the simulated LLM.
args=""
for a in "$@"; do args="$args$(printf '\\037')$a"; done
printf '%s\\t%s\\t%s\\t%s\\n' "$$" "${engine}" "$CUDA_VISIBLE_DEVICES" "\${args#?}" >> "${callsFile}"
port=8000; host=127.0.0.1; name=""; model=""
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2;;
    --host) host="$2"; shift 2;;
    --served-model-name) name="$2"; shift 2;;
    ${modelFlag}) model="$2"; shift 2;;
    serve) model="$2"; shift 2;;
    *) shift;;
  esac
done
[ -n "$name" ] || name="$model"
exec "${process.execPath}" "${BIN_JS}" sim-llm --host "$host" --port "$port" --model "$name" ${simArgs.map((a) => `'${a}'`).join(" ")} $FAKE_SIM_ARGS
`;
  writeFileSync(join(dir, "vllm"), script("vllm", "--model"));
  writeFileSync(join(dir, "python"), script("sglang", "--model-path"));
  chmodSync(join(dir, "vllm"), 0o755);
  chmodSync(join(dir, "python"), 0o755);
  return {
    binDir: dir,
    path: `${dir}:${process.env.PATH ?? ""}`,
    calls: () => {
      if (!existsSync(callsFile)) return [];
      return readFileSync(callsFile, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => {
          const [pid, engine, gpus, args] = l.split("\t");
          return { pid: Number(pid), engine: engine as "vllm" | "sglang", gpus: gpus ?? "", args: (args ?? "").split("\x1f") };
        });
    },
  };
}
