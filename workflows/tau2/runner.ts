// The tool runner: runs inside a sandbox, one tool call per process (request on stdin, outcome on stdout).
// Imports only dependency-free modules, so it can run from a single bundled file.
import { readFileSync } from "node:fs";
import { loadDomain } from "./domain.ts";
import { taskDb } from "./initial.ts";
import type { RunnerReply, RunnerRequest } from "./runner-protocol.ts";
import { runTool } from "./toolkit.ts";

const request = JSON.parse(readFileSync(0, "utf8")) as RunnerRequest;
const domain = loadDomain(request.domain_dir);
const db = taskDb(domain, request.initial_state, request.writes);
const reply: RunnerReply = runTool(domain.toolkit, db, request.call);
process.stdout.write(JSON.stringify(reply));
