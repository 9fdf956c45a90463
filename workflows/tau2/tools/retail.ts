// The retail domain's toolkit: lookups, calculate, transfer, and the write tools (TAU2-RETAIL.md).
import { roundCents, ToolError, type ToolDef, type Toolkit } from "../toolkit.ts";
import { evaluate, pythonFloatText } from "./calculate.ts";
import { order, product, user, type Product, type User } from "./retail-records.ts";
import {
  cancelPendingOrder,
  exchangeDeliveredOrderItems,
  modifyPendingOrderAddress,
  modifyPendingOrderItems,
  modifyPendingOrderPayment,
  modifyUserAddress,
  returnDeliveredOrderItems,
} from "./retail-writes.ts";

const calculate: ToolDef = {
  name: "calculate",
  kind: "generic",
  description: "Calculate the result of a mathematical expression.",
  params: {
    expression: { type: "string", description: "The mathematical expression to calculate, such as '2 + 2'. The expression can contain numbers, operators (+, -, *, /), parentheses, and spaces." },
  },
  run: (_db, a) => pythonFloatText(roundCents(evaluate(a.expression as string))),
};

const findUserIdByEmail: ToolDef = {
  name: "find_user_id_by_email",
  kind: "read",
  description: "Find user id by email. If the user is not found, the function will return an error message.",
  params: { email: { type: "string", description: "The email of the user, such as 'something@example.com'." } },
  run(db, a) {
    const email = (a.email as string).toLowerCase();
    for (const id of db.ids("users")) if (db.get<User>("users", id)!.email.toLowerCase() === email) return id;
    throw new ToolError("User not found");
  },
};

const findUserIdByNameZip: ToolDef = {
  name: "find_user_id_by_name_zip",
  kind: "read",
  description:
    "Find user id by first name, last name, and zip code. If the user is not found, the function will return an error message. By default, find user id by email, and only call this function if the user is not found by email or cannot remember email.",
  params: {
    first_name: { type: "string", description: "The first name of the customer, such as 'John'." },
    last_name: { type: "string", description: "The last name of the customer, such as 'Doe'." },
    zip: { type: "string", description: "The zip code of the customer, such as '12345'." },
  },
  run(db, a) {
    const first = (a.first_name as string).toLowerCase();
    const last = (a.last_name as string).toLowerCase();
    for (const id of db.ids("users")) {
      const u = db.get<User>("users", id)!;
      if (u.name.first_name.toLowerCase() === first && u.name.last_name.toLowerCase() === last && u.address.zip === a.zip) return id;
    }
    throw new ToolError("User not found");
  },
};

const getOrderDetails: ToolDef = {
  name: "get_order_details",
  kind: "read",
  description: "Get the status and details of an order.",
  params: { order_id: { type: "string", description: "The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id." } },
  run: (db, a) => order(db, a.order_id as string),
};

const getProductDetails: ToolDef = {
  name: "get_product_details",
  kind: "read",
  description: "Get the inventory details of a product.",
  params: { product_id: { type: "string", description: "The product id, such as '6086499569'. Be careful the product id is different from the item id." } },
  run: (db, a) => product(db, a.product_id as string),
};

const getItemDetails: ToolDef = {
  name: "get_item_details",
  kind: "read",
  description: "Get the inventory details of an item.",
  params: { item_id: { type: "string", description: "The item id, such as '6086499569'. Be careful the item id is different from the product id." } },
  run(db, a) {
    const itemId = a.item_id as string;
    for (const id of db.ids("products")) {
      const p = db.get<Product>("products", id)!;
      if (Object.hasOwn(p.variants, itemId)) return p.variants[itemId];
    }
    throw new ToolError("Item not found");
  },
};

const getUserDetails: ToolDef = {
  name: "get_user_details",
  kind: "read",
  description: "Get the details of a user, including their orders.",
  params: { user_id: { type: "string", description: "The user id, such as 'sara_doe_496'." } },
  run: (db, a) => user(db, a.user_id as string),
};

const listAllProductTypes: ToolDef = {
  name: "list_all_product_types",
  kind: "read",
  description: "List the name and product id of all product types. Each product type has a variety of different items with unique item ids and options. There are only 50 product types in the store.",
  params: {},
  run(db) {
    const byName: Record<string, string> = {};
    for (const id of db.ids("products")) {
      const p = db.get<Product>("products", id)!;
      byName[p.name] = p.product_id;
    }
    const sorted: Record<string, string> = {};
    for (const k of Object.keys(byName).sort()) sorted[k] = byName[k]!;
    return JSON.stringify(sorted);
  },
};

/** Shared by retail and mock: hands the conversation to a human; the workflow ends the conversation after it. */
export const transferToHumanAgents: ToolDef = {
  name: "transfer_to_human_agents",
  kind: "generic",
  description:
    "Transfer the user to a human agent, with a summary of the user's issue. Only transfer if the user explicitly asks for a human agent, or given the policy and the available tools, you cannot solve the user's issue.",
  params: { summary: { type: "string", description: "A summary of the user's issue." } },
  run: () => "Transfer successful",
};

/** The retail domain's tools, in the reference's order. */
export const retailToolkit: Toolkit = {
  domain: "retail",
  tools: [
    calculate,
    cancelPendingOrder,
    exchangeDeliveredOrderItems,
    findUserIdByEmail,
    findUserIdByNameZip,
    getOrderDetails,
    getProductDetails,
    getItemDetails,
    getUserDetails,
    listAllProductTypes,
    modifyPendingOrderAddress,
    modifyPendingOrderItems,
    modifyPendingOrderPayment,
    modifyUserAddress,
    returnDeliveredOrderItems,
    transferToHumanAgents,
  ],
};
