// Retail write tools: cancel, exchange, return, modify items / address / payment, modify user address.
// Each checks everything before it writes, so a failing call leaves the database unchanged.
import type { TaskDb } from "../db.ts";
import { roundCents, ToolError, type ToolDef } from "../toolkit.ts";
import {
  checkItemCounts,
  order,
  paymentMethod,
  sortedIds,
  user,
  variant,
  type Address,
  type Order,
  type OrderItem,
  type User,
  type Variant,
} from "./retail-records.ts";

const ADDRESS_PARAMS = {
  address1: { type: "string", description: "The first line of the address, such as '123 Main St'." },
  address2: { type: "string", description: "The second line of the address, such as 'Apt 1' or ''." },
  city: { type: "string", description: "The city, such as 'San Francisco'." },
  state: { type: "string", description: "The state, such as 'CA'." },
  country: { type: "string", description: "The country, such as 'USA'." },
  zip: { type: "string", description: "The zip code, such as '12345'." },
} as const;

function addressOf(a: Record<string, unknown>): Address {
  return {
    address1: a.address1 as string,
    address2: a.address2 as string,
    city: a.city as string,
    country: a.country as string,
    state: a.state as string,
    zip: a.zip as string,
  };
}

function mutOrder(db: TaskDb, id: string): Order {
  return db.mut<Order>("orders", id)!;
}

/** Adds `delta` to a gift card's balance, rounded to cents as the reference does. */
function adjustGiftCard(db: TaskDb, userId: string, methodId: string, delta: number): void {
  const m = db.mut<User>("users", userId)!.payment_methods[methodId]!;
  m.balance = roundCents((m.balance ?? 0) + delta);
}

/** Item and variant checks shared by exchange and modify: returns the new variants and the price difference. */
function priceNewItems(db: TaskDb, o: Order, itemIds: string[], newItemIds: string[], differ: boolean): { variants: Variant[]; diff: number } {
  let diff = 0;
  const variants: Variant[] = [];
  for (let i = 0; i < itemIds.length; i++) {
    const oldId = itemIds[i]!;
    const newId = newItemIds[i]!;
    if (differ && oldId === newId) throw new ToolError("The new item id should be different from the old item id");
    const item = o.items.find((it) => it.item_id === oldId);
    if (!item) throw new ToolError(`Item ${oldId} not found`);
    const v = variant(db, item.product_id, newId);
    if (!v.available) throw new ToolError(`New item ${newId} not found or available`);
    diff += v.price - item.price;
    variants.push(v);
  }
  return { variants, diff };
}

const ITEM_PARAMS = {
  order_id: { type: "string", description: "The order id, such as '#W0000000'. Be careful there is a '#' symbol at the beginning of the order id." },
  item_ids: { type: "string[]", description: "The item ids to be changed, each such as '1008292230'. There could be duplicate items in the list." },
  new_item_ids: {
    type: "string[]",
    description: "The item ids to be changed to, each such as '1008292230'. There could be duplicate items in the list. Each new item id should match the item id in the same position and be of the same product.",
  },
  payment_method_id: {
    type: "string",
    description: "The payment method id to pay or receive refund for the item price difference, such as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up from the user or order details.",
  },
} as const;

export const cancelPendingOrder: ToolDef = {
  name: "cancel_pending_order",
  kind: "write",
  description:
    "Cancel a pending order. If the order is already processed or delivered, it cannot be cancelled. The agent needs to explain the cancellation detail and ask for explicit user confirmation (yes/no) to proceed. If the user confirms, the order status will be changed to 'cancelled' and the payment will be refunded. The refund will be added to the user's gift card balance immediately if the payment was made using a gift card, otherwise the refund would take 5-7 business days to process. The function returns the order details after the cancellation.",
  params: {
    order_id: ITEM_PARAMS.order_id,
    reason: { type: "string", description: "The reason for cancellation, which should be either 'no longer needed' or 'ordered by mistake'." },
  },
  run(db, a) {
    const o = order(db, a.order_id as string);
    if (o.status !== "pending") throw new ToolError("Non-pending order cannot be cancelled");
    const reason = a.reason as string;
    if (reason !== "no longer needed" && reason !== "ordered by mistake") throw new ToolError("Invalid reason");
    const methods = o.payment_history.map((p) => paymentMethod(db, o.user_id, p.payment_method_id));
    const m = mutOrder(db, o.order_id);
    const refunds = m.payment_history.map((p) => ({ transaction_type: "refund" as const, amount: p.amount, payment_method_id: p.payment_method_id }));
    refunds.forEach((r, i) => {
      if (methods[i]!.source === "gift_card") adjustGiftCard(db, m.user_id, r.payment_method_id, r.amount);
    });
    m.status = "cancelled";
    m.cancel_reason = reason;
    m.payment_history.push(...refunds);
    return m;
  },
};

export const exchangeDeliveredOrderItems: ToolDef = {
  name: "exchange_delivered_order_items",
  kind: "write",
  description:
    "Exchange items in a delivered order to new items of the same product type. For a delivered order, return or exchange can be only done once by the agent. The agent needs to explain the exchange detail and ask for explicit user confirmation (yes/no) to proceed.",
  params: ITEM_PARAMS,
  run(db, a) {
    const o = order(db, a.order_id as string);
    if (o.status !== "delivered") throw new ToolError("Non-delivered order cannot be exchanged");
    const itemIds = a.item_ids as string[];
    const newItemIds = a.new_item_ids as string[];
    checkItemCounts(o, itemIds, (id) => `Number of ${id} not found.`);
    if (itemIds.length !== newItemIds.length) throw new ToolError("The number of items to be exchanged should match.");
    const diff = roundCents(priceNewItems(db, o, itemIds, newItemIds, false).diff);
    const method = paymentMethod(db, o.user_id, a.payment_method_id as string);
    if (method.source === "gift_card" && (method.balance ?? 0) < diff) {
      throw new ToolError("Insufficient gift card balance to pay for the price difference");
    }
    const m = mutOrder(db, o.order_id);
    m.status = "exchange requested";
    m.exchange_items = sortedIds(itemIds);
    m.exchange_new_items = sortedIds(newItemIds);
    m.exchange_payment_method_id = a.payment_method_id as string;
    m.exchange_price_difference = diff;
    return m;
  },
};

export const modifyPendingOrderAddress: ToolDef = {
  name: "modify_pending_order_address",
  kind: "write",
  description:
    "Modify the shipping address of a pending order. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.",
  params: { order_id: ITEM_PARAMS.order_id, ...ADDRESS_PARAMS },
  run(db, a) {
    const o = order(db, a.order_id as string);
    if (!o.status.includes("pending")) throw new ToolError("Non-pending order cannot be modified");
    const m = mutOrder(db, o.order_id);
    m.address = addressOf(a);
    return m;
  },
};

export const modifyPendingOrderItems: ToolDef = {
  name: "modify_pending_order_items",
  kind: "write",
  description:
    "Modify items in a pending order to new items of the same product type. For a pending order, this function can only be called once. The agent needs to explain the exchange detail and ask for explicit user confirmation (yes/no) to proceed.",
  params: ITEM_PARAMS,
  run(db, a) {
    const o = order(db, a.order_id as string);
    if (o.status !== "pending") throw new ToolError("Non-pending order cannot be modified");
    const itemIds = a.item_ids as string[];
    const newItemIds = a.new_item_ids as string[];
    checkItemCounts(o, itemIds, (id) => `${id} not found`);
    if (itemIds.length !== newItemIds.length) throw new ToolError("The number of items to be exchanged should match");
    const { variants, diff } = priceNewItems(db, o, itemIds, newItemIds, true);
    const methodId = a.payment_method_id as string;
    const method = paymentMethod(db, o.user_id, methodId);
    if (method.source === "gift_card" && (method.balance ?? 0) < diff) {
      throw new ToolError("Insufficient gift card balance to pay for the new item");
    }
    const m = mutOrder(db, o.order_id);
    m.payment_history.push({ transaction_type: diff > 0 ? "payment" : "refund", amount: Math.abs(diff), payment_method_id: methodId });
    if (method.source === "gift_card") adjustGiftCard(db, m.user_id, methodId, -diff);
    // The reference gives every modified item the price and options of the last new variant it checked.
    const last = variants[variants.length - 1];
    for (let i = 0; i < itemIds.length; i++) {
      const item = m.items.find((it) => it.item_id === itemIds[i]) as OrderItem;
      item.item_id = newItemIds[i]!;
      item.price = last!.price;
      item.options = structuredClone(last!.options);
    }
    m.status = "pending (item modified)";
    return m;
  },
};

export const modifyPendingOrderPayment: ToolDef = {
  name: "modify_pending_order_payment",
  kind: "write",
  description:
    "Modify the payment method of a pending order. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.",
  params: {
    order_id: ITEM_PARAMS.order_id,
    payment_method_id: {
      type: "string",
      description: "The payment method id to pay the order, such as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up from the user or order details.",
    },
  },
  run(db, a) {
    const o = order(db, a.order_id as string);
    if (!o.status.includes("pending")) throw new ToolError("Non-pending order cannot be modified");
    const methodId = a.payment_method_id as string;
    const method = paymentMethod(db, o.user_id, methodId);
    const first = o.payment_history[0];
    if (o.payment_history.length !== 1 || first?.transaction_type !== "payment") {
      throw new ToolError("There should be exactly one payment for a pending order");
    }
    if (first.payment_method_id === methodId) throw new ToolError("The new payment method should be different from the current one");
    const amount = first.amount;
    if (method.source === "gift_card" && (method.balance ?? 0) < amount) {
      throw new ToolError("Insufficient gift card balance to pay for the order");
    }
    const old = paymentMethod(db, o.user_id, first.payment_method_id);
    const m = mutOrder(db, o.order_id);
    m.payment_history.push(
      { transaction_type: "payment", amount, payment_method_id: methodId },
      { transaction_type: "refund", amount, payment_method_id: first.payment_method_id },
    );
    if (method.source === "gift_card") adjustGiftCard(db, m.user_id, methodId, -amount);
    if (old.source === "gift_card") adjustGiftCard(db, m.user_id, first.payment_method_id, amount);
    return m;
  },
};

export const modifyUserAddress: ToolDef = {
  name: "modify_user_address",
  kind: "write",
  description:
    "Modify the default address of a user. The agent needs to explain the modification detail and ask for explicit user confirmation (yes/no) to proceed.",
  params: { user_id: { type: "string", description: "The user id, such as 'sara_doe_496'." }, ...ADDRESS_PARAMS },
  run(db, a) {
    user(db, a.user_id as string);
    const u = db.mut<User>("users", a.user_id as string)!;
    u.address = addressOf(a);
    return u;
  },
};

export const returnDeliveredOrderItems: ToolDef = {
  name: "return_delivered_order_items",
  kind: "write",
  description:
    "Return some items of a delivered order. The order status will be changed to 'return requested'. The agent needs to explain the return detail and ask for explicit user confirmation (yes/no) to proceed. The user will receive follow-up email for how and where to return the item.",
  params: {
    order_id: ITEM_PARAMS.order_id,
    item_ids: { type: "string[]", description: "The item ids to be returned, each such as '1008292230'. There could be duplicate items in the list." },
    payment_method_id: {
      type: "string",
      description: "The payment method id to pay or receive refund for the item price difference, such as 'gift_card_0000000' or 'credit_card_0000000'. These can be looked up from the user or order details.",
    },
  },
  run(db, a) {
    const o = order(db, a.order_id as string);
    if (o.status !== "delivered") throw new ToolError("Non-delivered order cannot be returned");
    const methodId = a.payment_method_id as string;
    const method = paymentMethod(db, o.user_id, methodId);
    if (method.source !== "gift_card" && methodId !== o.payment_history[0]?.payment_method_id) {
      throw new ToolError("Payment method should be the original payment method");
    }
    const itemIds = a.item_ids as string[];
    checkItemCounts(o, itemIds, () => "Some item not found");
    const m = mutOrder(db, o.order_id);
    m.status = "return requested";
    m.return_items = sortedIds(itemIds);
    m.return_payment_method_id = methodId;
    return m;
  },
};
