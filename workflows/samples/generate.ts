// Regenerates the sample datasets: `node bin/run-ts.js workflows/samples/generate.ts [WORKFLOWS_DIR]`.
import process from "node:process";
import { fileURLToPath } from "node:url";
import { writeSamples } from "./write.ts";

// Defaults to the workflows folder this file lives in; a directory argument writes a copy elsewhere.
const root = process.argv[2] ?? fileURLToPath(new URL("..", import.meta.url));
for (const path of writeSamples(root)) process.stdout.write(`${path}\n`);
