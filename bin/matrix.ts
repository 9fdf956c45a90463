// The `matrix` binary's entry: registers the built-in workflows, then runs the command line.
import "../workflows/mod.ts";
import { main, type Command } from "../runtime/cli/main.ts";
import { runCommand } from "../runtime/cli/run-command.ts";
import { agentCommand } from "../runtime/cli/agent-command.ts";
import { simLlmCommand } from "../services/sim/cli.ts";
import { serviceManagerCommand } from "../services/manager/cli.ts";
import { versionLine } from "../runtime/build-info.ts";
import { slurmCommand } from "../slurm/mod.ts";
import { gatewayCommand } from "../runtime/cli/gateway-command.ts";
import { resultsCommand, statusCommand, submitCommand } from "../runtime/cli/client-commands.ts";

const commands: Record<string, Command> = {
  run: { summary: "run a workflow over a dataset (one process, or source and writer with --nats)", run: runCommand },
  agent: { summary: "serve workflow roles for any run on a NATS deployment", run: agentCommand },
  "sim-llm": { summary: "serve the simulated OpenAI-compatible LLM", run: simLlmCommand },
  slurm: { summary: "launch, watch and tear down a deployment on SLURM (up, status, logs, down)", run: slurmCommand },
  gateway: { summary: "serve jobs, progress, results and an OpenAI-compatible LLM front door over HTTP", run: gatewayCommand },
  submit: { summary: "submit a job to a gateway (matrix submit <workflow> --tasks file.jsonl [key=value ...])", run: submitCommand },
  status: { summary: "show a gateway job's status and counts", run: statusCommand },
  results: { summary: "download a gateway job's rows as JSONL", run: resultsCommand },
  "service-manager": { summary: "launch, register and supervise LLM replicas (vLLM, SGLang, sim, any command)", run: serviceManagerCommand },
};

const code = await main(process.argv.slice(2), commands, versionLine());
process.exitCode = code;
// Long-lived handles (timers of finished servers, stdin) must not keep a finished command alive.
setTimeout(() => process.exit(code), 50).unref();
