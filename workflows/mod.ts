// The built-in workflows: importing this module registers each of them by name.
import { registerWorkflow } from "../runtime/workflow.ts";
import { coral } from "./coral/index.ts";
import { inference } from "./inference/index.ts";
import { naturalReasoning } from "./natural-reasoning/index.ts";
import { tau2 } from "./tau2/index.ts";

export { coral, inference, naturalReasoning, tau2 };

/** Every built-in workflow, in registration order. */
export const BUILTIN_WORKFLOWS = [inference, coral, naturalReasoning, tau2] as const;

registerWorkflow(inference);
registerWorkflow(coral);
registerWorkflow(naturalReasoning);
registerWorkflow(tau2);
