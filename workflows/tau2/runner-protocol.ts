// What the tool executor sends to the sandboxed tool runner (stdin, JSON) and what it prints back (stdout, JSON).
import type { InitialState } from "./task.ts";
import type { ToolInvocation, ToolOutcome } from "./toolkit.ts";

/** One call: the domain folder as the sandbox sees it, the task's initial state, the writes so far, the call. */
export type RunnerRequest = {
  domain_dir: string;
  initial_state: InitialState | null;
  writes: ToolInvocation[];
  call: ToolInvocation;
};

/** The call's outcome, exactly as an in-process call returns it. */
export type RunnerReply = ToolOutcome;
