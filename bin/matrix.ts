// The `matrix` binary's entry: registers the built-in workflows, then runs the command line.
import { readFileSync } from "node:fs";
import "../workflows/mod.ts";
import { main, type Command } from "../runtime/cli/main.ts";
import { runCommand } from "../runtime/cli/run-command.ts";
import { simLlmCommand } from "../services/sim/cli.ts";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

const commands: Record<string, Command> = {
  run: { summary: "run a workflow over a dataset (embedded bus, one process)", run: runCommand },
  "sim-llm": { summary: "serve the simulated OpenAI-compatible LLM", run: simLlmCommand },
};

const code = await main(process.argv.slice(2), commands, pkg.version);
process.exitCode = code;
// Long-lived handles (timers of finished servers, stdin) must not keep a finished command alive.
setTimeout(() => process.exit(code), 50).unref();
