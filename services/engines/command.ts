// Any OpenAI-compatible server as an engine: the user's argv with host, port and model names filled in.
import type { Argv, EngineLaunch } from "./launch.ts";

const PLACEHOLDER = /\{(host|port|model|served_model_name)\}/g;

/**
 * The user's `command` with `{host}`, `{port}`, `{model}` and `{served_model_name}` replaced; `engine_args` last.
 *
 * @example commandArgv({ ...launch, command: ["my-server", "--listen", "{host}:{port}"] })
 */
export function commandArgv(l: EngineLaunch): Argv {
  const values: Record<string, string> = { host: l.host, port: String(l.port), model: l.model, served_model_name: l.served_model_name };
  const argv = l.command.map((a) => a.replace(PLACEHOLDER, (_, k: string) => values[k] ?? ""));
  const [file, ...args] = argv;
  if (file === undefined) throw new Error("command engine: empty command");
  return { file: l.executable ?? file, args: [...args, ...l.engine_args] };
}
