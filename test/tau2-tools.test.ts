// tau2 tools: the gold actions of every retail and mock task replay through our tools; tool semantics in detail.
import { describe, expect, it } from "vitest";
import { TaskDb } from "../workflows/tau2/db.ts";
import { loadDomain } from "../workflows/tau2/domain.ts";
import { initialDb } from "../workflows/tau2/initial.ts";
import { checkDb, goldDb } from "../workflows/tau2/reward.ts";
import { parseTask } from "../workflows/tau2/task.ts";
import { functionSchemas, roundCents, runTool } from "../workflows/tau2/toolkit.ts";
import { evaluate, pythonFloatText } from "../workflows/tau2/tools/calculate.ts";
import { domainDir, readTasks, RETAIL_INVALID_GOLD } from "./tau2-fixtures.ts";

const retail = loadDomain(domainDir("retail"));
const mock = loadDomain(domainDir("mock"));

describe("tau2 gold replay", () => {
  it("tau2 tools - all 114 retail gold action lists replay; only the listed data-invalid calls fail", () => {
    const tasks = readTasks("retail").map(parseTask);
    expect(tasks).toHaveLength(114);
    const failed: Record<string, string[]> = {};
    for (const t of tasks) {
      const { failures } = goldDb(retail, t);
      if (failures.length > 0) failed[String(t.id)] = failures.map((f) => `${f.index} ${f.name}`);
    }
    const expected = Object.fromEntries(Object.entries(RETAIL_INVALID_GOLD).map(([id, rs]) => [id, rs.map((r) => r.split(":")[0]!)]));
    expect(failed).toEqual(expected);
  });

  it("tau2 tools - every mock gold action replays without error", () => {
    for (const t of readTasks("mock").map(parseTask)) expect(goldDb(mock, t).failures).toEqual([]);
  });

  it("tau2 tools - the gold writes as the assistant's writes give a matching database; none give a mismatch", () => {
    for (const t of readTasks("retail").map(parseTask)) {
      const writes = (t.evaluation_criteria?.actions ?? []).map((a) => ({ name: a.name, arguments: a.arguments }));
      expect(checkDb(retail, t, writes).db_match).toBe(true);
    }
    const t0 = parseTask(readTasks("retail")[0]);
    const none = checkDb(retail, t0, []);
    expect(none.db_match).toBe(false);
    expect(none.diff).toEqual(["orders/#W2378156"]);
  });
});

describe("tau2 retail tools", () => {
  it("tau2 tools - calculate follows Python arithmetic and prints like Python", () => {
    const calc = (e: string) => runTool(retail.toolkit, new TaskDb(retail.db), { name: "calculate", arguments: { expression: e } });
    expect(calc("2 + 2")).toEqual({ ok: true, content: "4.0" });
    expect(calc("(652.61 + 473.43) * 2")).toEqual({ ok: true, content: "2252.08" });
    expect(calc("10 / 4")).toEqual({ ok: true, content: "2.5" });
    expect(calc("-2 ** 2")).toEqual({ ok: true, content: "-4.0" });
    expect(calc("7 // 2")).toEqual({ ok: true, content: "3.0" });
    expect(calc("1 / 0")).toEqual({ ok: false, content: "Error: division by zero" });
    expect(calc("import os")).toEqual({ ok: false, content: "Error: Invalid characters in expression" });
    expect(calc("2 +")).toEqual({ ok: false, content: "Error: invalid syntax" });
    expect(evaluate("2 ** 3 ** 2")).toBe(512);
    expect(pythonFloatText(1e16)).toBe("1e+16");
    expect(roundCents(0.125)).toBe(0.12);
    expect(roundCents(0.375)).toBe(0.38);
    expect(roundCents(2.675)).toBe(2.67);
  });

  it("tau2 tools - lookups: case-insensitive email and names, errors for unknown ids, argument checks", () => {
    const db = new TaskDb(retail.db);
    const run = (name: string, args: Record<string, unknown>) => runTool(retail.toolkit, db, { name, arguments: args });
    expect(run("find_user_id_by_email", { email: "NOAH.BROWN7922@example.com" })).toEqual({ ok: true, content: "noah_brown_6181" });
    expect(run("find_user_id_by_name_zip", { first_name: "noah", last_name: "BROWN", zip: "80279" }).content).toBe("noah_brown_6181");
    expect(run("get_order_details", { order_id: "#W0" })).toEqual({ ok: false, content: "Error: Order not found" });
    expect(run("get_item_details", { item_id: "9612497925" }).content).toContain('"item_id":"9612497925"');
    expect(run("get_user_details", {})).toEqual({ ok: false, content: "Error: get_user_details() missing required argument 'user_id'" });
    expect(run("get_user_details", { user_id: "x", extra: 1 }).ok).toBe(false);
    expect(run("no_such_tool", {})).toEqual({ ok: false, content: "Error: Tool 'no_such_tool' not found." });
    expect(JSON.parse(run("list_all_product_types", {}).content)).toHaveProperty("T-Shirt", "9523456873");
  });

  it("tau2 tools - cancel refunds every payment and raises a gift card balance at once; writes never touch the base", () => {
    const id = Object.keys(retail.db.orders!).find((k) => {
      const o = retail.db.orders![k] as { status: string; payment_history: Array<{ payment_method_id: string }> };
      return o.status === "pending" && o.payment_history[0]!.payment_method_id.startsWith("gift_card");
    })!;
    const before = structuredClone(retail.db.orders![id]) as { user_id: string; payment_history: Array<{ amount: number; payment_method_id: string }> };
    const pm = before.payment_history[0]!.payment_method_id;
    const userBefore = retail.db.users![before.user_id] as { payment_methods: Record<string, { balance: number }> };
    const db = new TaskDb(retail.db);
    expect(runTool(retail.toolkit, db, { name: "cancel_pending_order", arguments: { order_id: id, reason: "because" } })).toEqual({ ok: false, content: "Error: Invalid reason" });
    expect(db.touched()).toEqual([]);
    const out = runTool(retail.toolkit, db, { name: "cancel_pending_order", arguments: { order_id: id, reason: "ordered by mistake" } });
    expect(out.ok).toBe(true);
    const o = JSON.parse(out.content) as { status: string; cancel_reason: string; payment_history: unknown[] };
    expect(o.status).toBe("cancelled");
    expect(o.payment_history).toHaveLength(2 * before.payment_history.length);
    const after = db.get<{ payment_methods: Record<string, { balance: number }> }>("users", before.user_id)!;
    expect(after.payment_methods[pm]!.balance).toBe(roundCents(userBefore.payment_methods[pm]!.balance + before.payment_history[0]!.amount));
    expect(retail.db.orders![id]).toEqual(before);
  });

  it("tau2 tools - modify items gives every modified item the price and options of the last new variant", () => {
    const db = new TaskDb(retail.db);
    const found = Object.values(retail.db.orders!).find((raw) => {
      const o = raw as { status: string; items: Array<{ product_id: string }> };
      return o.status === "pending" && o.items.length >= 2 && o.items[0]!.product_id !== o.items[1]!.product_id;
    }) as { order_id: string; user_id: string; items: Array<{ item_id: string; product_id: string }>; payment_history: Array<{ payment_method_id: string }> };
    const other = (i: number) => {
      const p = retail.db.products![found.items[i]!.product_id] as { variants: Record<string, { item_id: string; available: boolean; price: number }> };
      return Object.values(p.variants).find((v) => v.available && v.item_id !== found.items[i]!.item_id)!;
    };
    const a = other(0);
    const b = other(1);
    const out = runTool(retail.toolkit, db, {
      name: "modify_pending_order_items",
      arguments: { order_id: found.order_id, item_ids: [found.items[0]!.item_id, found.items[1]!.item_id], new_item_ids: [a.item_id, b.item_id], payment_method_id: found.payment_history[0]!.payment_method_id },
    });
    expect(out.ok).toBe(true);
    const o = JSON.parse(out.content) as { status: string; items: Array<{ item_id: string; price: number }> };
    expect(o.status).toBe("pending (item modified)");
    expect(o.items[0]).toMatchObject({ item_id: a.item_id, price: b.price });
    expect(o.items[1]).toMatchObject({ item_id: b.item_id, price: b.price });
  });

  it("tau2 tools - function schemas list every tool with its required arguments", () => {
    const schemas = functionSchemas(retail.toolkit);
    expect(schemas.map((s) => s.function.name)).toContain("exchange_delivered_order_items");
    const ex = schemas.find((s) => s.function.name === "exchange_delivered_order_items")!;
    expect(ex.function.parameters).toMatchObject({ required: ["order_id", "item_ids", "new_item_ids", "payment_method_id"], properties: { item_ids: { type: "array", items: { type: "string" } } } });
    expect(functionSchemas(mock.toolkit).find((s) => s.function.name === "create_task")!.function.parameters).toMatchObject({ required: ["user_id", "title"] });
  });
});

describe("tau2 mock tools", () => {
  it("tau2 tools - initial state: agent data merges, initialization actions and history tool calls apply", () => {
    const tasks = new Map(readTasks("mock").map((t) => [String(t.id), parseTask(t)]));
    const fromData = initialDb(mock, tasks.get("update_task_with_initialization_data")!.initial_state);
    expect(fromData.get("users", "user_1")).toMatchObject({ tasks: ["task_1", "task_2"], name: "Test User" });
    const fromActions = initialDb(mock, tasks.get("update_task_with_initialization_actions")!.initial_state);
    expect(fromActions.get("tasks", "task_2")).toMatchObject({ title: "Project Review", status: "pending" });
    const fromHistory = initialDb(mock, tasks.get("update_task_with_message_history")!.initial_state);
    expect(fromHistory.get("tasks", "task_2")).toMatchObject({ title: "Project Review" });
  });

  it("tau2 tools - create_task numbers tasks and rejects unknown users; update_task_status checks the status", () => {
    const db = new TaskDb(mock.db);
    expect(runTool(mock.toolkit, db, { name: "create_task", arguments: { user_id: "nobody", title: "x" } })).toEqual({ ok: false, content: "Error: User nobody not found" });
    expect(JSON.parse(runTool(mock.toolkit, db, { name: "create_task", arguments: { user_id: "user_1", title: "x" } }).content)).toEqual({ task_id: "task_2", title: "x", description: null, status: "pending" });
    expect(runTool(mock.toolkit, db, { name: "update_task_status", arguments: { task_id: "task_2", status: "done" } }).ok).toBe(false);
    expect(db.get("users", "user_1")).toMatchObject({ tasks: ["task_1", "task_2"] });
  });
});
