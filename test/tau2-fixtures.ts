// Fixtures for the tau2 tests: where the shared domain data lives, and the gold actions the data itself makes invalid.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/** `../shared/data/tau2` from the project root. */
export const TAU2_DATA = resolve(import.meta.dirname, "../../shared/data/tau2");

/** The domain folder of `domain`. */
export function domainDir(domain: "retail" | "mock"): string {
  return `${TAU2_DATA}/${domain}`;
}

/** The raw task records of a domain. */
export function readTasks(domain: "retail" | "mock"): Array<Record<string, unknown>> {
  return JSON.parse(readFileSync(`${domainDir(domain)}/tasks.json`, "utf8")) as Array<Record<string, unknown>>;
}

/**
 * Retail tasks whose gold actions include calls the data makes invalid, with the reason. The reference keeps
 * such calls in the gold list (a lookup the agent is expected to try and fail, or a write the policy forbids);
 * replaying them fails and leaves the database unchanged. Key: task id; value: `index name: reason`.
 */
export const RETAIL_INVALID_GOLD: Record<string, string[]> = {
  "2": ["1 get_product_details: 6086499569 is an item id, not a product id"],
  "3": ["1 get_product_details: 6086499569 is an item id, not a product id"],
  "4": ["1 get_product_details: 6086499569 is an item id, not a product id"],
  "35": ["0 find_user_id_by_email: aarav.santos8321@example.com is a misremembered email (the next action uses ...8320)"],
  "37": ["0 find_user_id_by_email: a misremembered email tried before the right one"],
  "38": ["0 find_user_id_by_email: a misremembered email tried before the right one"],
  "39": ["0 find_user_id_by_name_zip: the user's old zip code 85033 (the next action uses 32169)"],
  "46": ["1 get_order_details: #9502126 lacks the 'W'", "2 get_order_details: #9502127 lacks the 'W'"],
  "47": ["1 get_order_details: order id without the 'W'", "2 get_order_details: order id without the 'W'"],
  "54": ["0 find_user_id_by_email: a misremembered email tried before the right one"],
  "55": ["0 find_user_id_by_email: a misremembered email tried before the right one"],
  "64": ["6 exchange_delivered_order_items: #W7464385 is pending, not delivered (the next action modifies it instead)"],
  "67": ["0 find_user_id_by_name_zip: wrong zip 98178", "1 find_user_id_by_name_zip: wrong zip 98186"],
  "68": ["0 find_user_id_by_name_zip: a wrong zip tried before the right one"],
  "105": ["0 exchange_delivered_order_items: the price difference 21.1 exceeds gift card balance 17.0"],
};

/**
 * Tasks with a gold write where no write changes the final database, so a perturbed run still matches gold
 * (reward 1): the only write fails on the data.
 */
export const RETAIL_NO_EFFECTIVE_WRITE = ["105"];
