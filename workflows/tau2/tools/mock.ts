// The mock domain's toolkit: tasks of users (create, list users, update status, transfer).
import type { TaskDb } from "../db.ts";
import { ToolError, type ToolDef, type Toolkit } from "../toolkit.ts";
import { transferToHumanAgents } from "./retail.ts";

type MockTask = { task_id: string; title: string; description: string | null; status: "pending" | "completed" };
type MockUser = { user_id: string; name: string; tasks: string[] };

const createTask: ToolDef = {
  name: "create_task",
  kind: "write",
  description: "Create a new task for a user.",
  params: {
    user_id: { type: "string", description: "The ID of the user creating the task" },
    title: { type: "string", description: "The title of the task" },
    description: { type: "string", description: "Optional description of the task", optional: true },
  },
  run(db, a) {
    const userId = a.user_id as string;
    if (!db.get("users", userId)) throw new ToolError(`User ${userId} not found`);
    const id = `task_${db.ids("tasks").length + 1}`;
    const task: MockTask = { task_id: id, title: a.title as string, description: (a.description as string | undefined) ?? null, status: "pending" };
    db.put("tasks", id, task);
    db.mut<MockUser>("users", userId)!.tasks.push(id);
    return task;
  },
};

const getUsers: ToolDef = {
  name: "get_users",
  kind: "read",
  description: "Get all users in the database.",
  params: {},
  run: (db) => db.ids("users").map((id) => db.get("users", id)),
};

const updateTaskStatus: ToolDef = {
  name: "update_task_status",
  kind: "write",
  description: "Update the status of a task.",
  params: {
    task_id: { type: "string", description: "The ID of the task to update" },
    status: { type: "string", description: "The new status of the task ('pending' or 'completed')" },
  },
  run(db, a) {
    const id = a.task_id as string;
    if (!db.get("tasks", id)) throw new ToolError(`Task ${id} not found`);
    const status = a.status as string;
    if (status !== "pending" && status !== "completed") throw new ToolError(`Invalid status '${status}': must be 'pending' or 'completed'`);
    const task = db.mut<MockTask>("tasks", id)!;
    task.status = status;
    return task;
  },
};

/** The mock domain's tools. */
export const mockToolkit: Toolkit = { domain: "mock", tools: [createTask, getUsers, updateTaskStatus, transferToHumanAgents] };

/** Environment assertions of mock tasks (`evaluation_criteria.env_assertions` with `env_type: assistant`). */
export const mockAssertions: Record<string, (db: TaskDb, args: Record<string, unknown>) => boolean> = {
  assert_task_status: (db, args) => db.get<MockTask>("tasks", args.task_id as string)?.status === args.expected_status,
};
