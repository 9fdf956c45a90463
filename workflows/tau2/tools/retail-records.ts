// Shapes of the retail database records the tools read and write, and their lookups (TAU2-RETAIL.md).
// Plain types rather than schemas: the database is trusted data loaded once, and the sandboxed runner stays dependency-free.
import type { TaskDb } from "../db.ts";
import { ToolError } from "../toolkit.ts";

export type Address = { address1: string; address2: string; city: string; country: string; state: string; zip: string };
export type PaymentMethod = { source: "credit_card" | "paypal" | "gift_card"; id: string; balance?: number };
export type User = {
  user_id: string;
  name: { first_name: string; last_name: string };
  address: Address;
  email: string;
  payment_methods: Record<string, PaymentMethod>;
  orders: string[];
};
export type Variant = { item_id: string; options: Record<string, string>; available: boolean; price: number };
export type Product = { name: string; product_id: string; variants: Record<string, Variant> };
export type OrderItem = { name: string; product_id: string; item_id: string; price: number; options: Record<string, string> };
export type Payment = { transaction_type: "payment" | "refund"; amount: number; payment_method_id: string };
export type Order = {
  order_id: string;
  user_id: string;
  address: Address;
  items: OrderItem[];
  fulfillments: unknown[];
  status: string;
  payment_history: Payment[];
  cancel_reason?: string;
  exchange_items?: string[];
  exchange_new_items?: string[];
  exchange_payment_method_id?: string;
  exchange_price_difference?: number;
  return_items?: string[];
  return_payment_method_id?: string;
};

/** The order, for reading. */
export function order(db: TaskDb, id: string): Order {
  const o = db.get<Order>("orders", id);
  if (!o) throw new ToolError("Order not found");
  return o;
}

export function user(db: TaskDb, id: string): User {
  const u = db.get<User>("users", id);
  if (!u) throw new ToolError("User not found");
  return u;
}

export function product(db: TaskDb, id: string): Product {
  const p = db.get<Product>("products", id);
  if (!p) throw new ToolError("Product not found");
  return p;
}

export function variant(db: TaskDb, productId: string, itemId: string): Variant {
  const p = product(db, productId);
  const v = Object.hasOwn(p.variants, itemId) ? p.variants[itemId] : undefined;
  if (!v) throw new ToolError("Variant not found");
  return v;
}

/** A payment method of the user (payment methods are looked up in the order's user's profile). */
export function paymentMethod(db: TaskDb, userId: string, methodId: string): PaymentMethod {
  const u = user(db, userId);
  const m = Object.hasOwn(u.payment_methods, methodId) ? u.payment_methods[methodId] : undefined;
  if (!m) throw new ToolError("Payment method not found");
  return m;
}

/** Checks that every id occurs in the order at least as often as in the list. */
export function checkItemCounts(o: Order, itemIds: string[], message: (id: string) => string): void {
  const have = new Map<string, number>();
  for (const it of o.items) have.set(it.item_id, (have.get(it.item_id) ?? 0) + 1);
  const want = new Map<string, number>();
  for (const id of itemIds) want.set(id, (want.get(id) ?? 0) + 1);
  for (const [id, n] of want) if (n > (have.get(id) ?? 0)) throw new ToolError(message(id));
}

/** Sorted copy (Python's `sorted` on strings: code-point order). */
export function sortedIds(ids: string[]): string[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
