#!/usr/bin/env node
// Node launcher for the `matrix` binary: registers the TypeScript loader, then runs the CLI.
import { register } from "tsx/esm/api";

register();
await import("./matrix.ts");
