// The `calculate` tool's arithmetic: Python expression semantics over + - * / // ** and parentheses, no eval.
import { ToolError } from "../toolkit.ts";

type Cursor = { src: string; at: number };

function skip(c: Cursor): void {
  while (c.src[c.at] === " ") c.at++;
}

function peek(c: Cursor, token: string): boolean {
  skip(c);
  return c.src.startsWith(token, c.at);
}

function take(c: Cursor, token: string): boolean {
  if (!peek(c, token)) return false;
  c.at += token.length;
  return true;
}

function number(c: Cursor): number {
  skip(c);
  const m = /^(\d+\.?\d*|\.\d+)/.exec(c.src.slice(c.at));
  if (!m) throw new ToolError("invalid syntax");
  c.at += m[1]!.length;
  return Number(m[1]);
}

function atom(c: Cursor): number {
  if (take(c, "(")) {
    const v = sum(c);
    if (!take(c, ")")) throw new ToolError("invalid syntax");
    return v;
  }
  return number(c);
}

// Python: `**` binds tighter than unary minus on its left and is right-associative (-2**2 == -4).
function power(c: Cursor): number {
  const base = atom(c);
  if (take(c, "**")) return base ** unary(c);
  return base;
}

function unary(c: Cursor): number {
  if (take(c, "-")) return -unary(c);
  if (take(c, "+")) return unary(c);
  return power(c);
}

function product(c: Cursor): number {
  let v = unary(c);
  for (;;) {
    if (peek(c, "**")) return v;
    if (take(c, "//")) {
      const d = unary(c);
      if (d === 0) throw new ToolError("integer division or modulo by zero");
      v = Math.floor(v / d);
    } else if (take(c, "*")) v *= unary(c);
    else if (take(c, "/")) {
      const d = unary(c);
      if (d === 0) throw new ToolError("division by zero");
      v /= d;
    } else return v;
  }
}

function sum(c: Cursor): number {
  let v = product(c);
  for (;;) {
    if (take(c, "+")) v += product(c);
    else if (take(c, "-")) v -= product(c);
    else return v;
  }
}

/** Evaluates an arithmetic expression of digits, `+ - * / ( ) .` and spaces. */
export function evaluate(expression: string): number {
  if (![...expression].every((ch) => "0123456789+-*/(). ".includes(ch))) throw new ToolError("Invalid characters in expression");
  const c: Cursor = { src: expression, at: 0 };
  const v = sum(c);
  skip(c);
  if (c.at !== expression.length) throw new ToolError("invalid syntax");
  return v;
}

/** Python's `str(float)`: `4.0`, `0.1`, `1e+16`. */
export function pythonFloatText(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const abs = Math.abs(x);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    return x.toExponential().replace(/e([+-])(\d)$/, "e$10$2");
  }
  if (Number.isInteger(x)) return `${Object.is(x, -0) ? "-0" : x}.0`;
  return String(x);
}
