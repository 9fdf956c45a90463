// The `matrix` command line: dispatches to the mode commands; maps errors to exit codes (2 usage/config, 1 failure).
import { ConfigError, MatrixError } from "../errors.ts";

export type Command = {
  summary: string;
  run(argv: string[]): Promise<number>;
};

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

function help(commands: Record<string, Command>): string {
  const width = Math.max(...Object.keys(commands).map((k) => k.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: matrix <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nmatrix <command> --help for a command's options; matrix --version for the version.`;
}

/** Runs the CLI and returns the exit code. Errors print as one line (details with --verbose). */
export async function main(argv: string[], commands: Record<string, Command>, version: string): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "-h" || name === "--help" || name === "help") {
    process.stdout.write(help(commands) + "\n");
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write(`matrix ${version}\n`);
    return EXIT.ok;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`matrix: unknown command "${name}" (commands: ${Object.keys(commands).join(", ")})\n`);
    return EXIT.usage;
  }
  const verbose = rest.includes("--verbose");
  try {
    return await cmd.run(rest);
  } catch (err) {
    const usage = err instanceof ConfigError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`matrix ${name}: ${message.split("\n")[0]}\n`);
    if (verbose && err instanceof Error && err.stack) process.stderr.write(err.stack + "\n");
    if (usage) return EXIT.usage;
    if (err instanceof MatrixError && err.code === "dataset") return EXIT.usage;
    return EXIT.failure;
  }
}
