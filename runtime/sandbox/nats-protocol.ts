// The sandbox service on NATS: subjects, lease naming and the request/reply bodies (JSON) of acquire, exec, release, stats.
import * as v from "valibot";
import type { ErrorData } from "../errors.ts";
import { Lease } from "../message/envelope.ts";
import { Bind, ExecResult } from "./types.ts";

/** Prefix of `lease.service` for leases held by a sandbox service over NATS (`nats:<service>`). */
export const REMOTE_LEASE_PREFIX = "nats:";

/** The `lease.service` (and client pool name) of the sandbox service `service`. */
export function remoteLeaseService(service: string): string {
  return `${REMOTE_LEASE_PREFIX}${service}`;
}

/** The service a lease names, when it was granted by a sandbox service over NATS. */
export function remoteServiceOf(lease: Lease): string | undefined {
  return lease.service?.startsWith(REMOTE_LEASE_PREFIX) ? lease.service.slice(REMOTE_LEASE_PREFIX.length) : undefined;
}

/**
 * A remote lease id is `<host>:<sandbox>`: exec and release go to the host that holds the sandbox.
 * @example splitLeaseId("node1-0a1b2c3d:sbx-0a1b2c3d4e5f") // { host: "node1-0a1b2c3d", sandbox: "sbx-0a1b2c3d4e5f" }
 */
export function splitLeaseId(id: string): { host: string; sandbox: string } | undefined {
  const i = id.indexOf(":");
  if (i <= 0 || i === id.length - 1) return undefined;
  return { host: id.slice(0, i), sandbox: id.slice(i + 1) };
}

/** Subject tokens may not hold `.`, `*`, `>` or white space. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

/** True when `name` can be a service or host token of a subject. */
export function isSubjectToken(name: string): boolean {
  return TOKEN.test(name);
}

/**
 * Subjects of the sandbox service `service` in namespace `ns`:
 * - `<ns>.sandbox.<service>.acquire`: every host, in queue group `sandbox-<service>` (one host answers);
 * - `<ns>.sandbox.<service>.stats`: every host answers (`requestMany`);
 * - `<ns>.sandbox.<service>.host.<host>.exec|release`: the host that holds the lease.
 */
export function sandboxSubjects(ns: string, service: string) {
  const base = `${ns}.sandbox.${service}`;
  return {
    acquire: `${base}.acquire`,
    stats: `${base}.stats`,
    queue: `sandbox-${service}`,
    exec: (host: string) => `${base}.host.${host}.exec`,
    release: (host: string) => `${base}.host.${host}.release`,
    hostWildcard: (host: string) => `${base}.host.${host}.*`,
  };
}

/** `acquire`: a lease for `task`; the workflow's read-only binds and env (checked by the host), how long to wait. */
export const AcquireRequest = v.object({
  task: v.string(),
  binds: v.optional(v.array(Bind), []),
  env: v.optional(v.record(v.string(), v.string()), {}),
  /** Most ms to wait for a free sandbox (the host's own `acquire_timeout_s` caps it). */
  wait_ms: v.optional(v.pipe(v.number(), v.minValue(0))),
});
export type AcquireRequest = v.InferInput<typeof AcquireRequest>;

/** `exec`: argv in the lease's sandbox (`lease` is the sandbox part of the lease id). */
export const ExecRequest = v.object({
  lease: v.string(),
  cmd: v.pipe(v.array(v.string()), v.minLength(1)),
  stdin: v.optional(v.string()),
  timeout_s: v.optional(v.pipe(v.number(), v.gtValue(0))),
  env: v.optional(v.record(v.string(), v.string())),
});
export type ExecRequest = v.InferInput<typeof ExecRequest>;

export const ReleaseRequest = v.object({ lease: v.string() });
export type ReleaseRequest = v.InferInput<typeof ReleaseRequest>;

/** What one host reports on `stats`. */
export const HostStats = v.object({
  host: v.string(),
  service: v.string(),
  backend: v.string(),
  capacity: v.number(),
  live: v.number(),
  waiting: v.number(),
  acquired: v.number(),
  released: v.number(),
  expired: v.number(),
  execs: v.number(),
  timed_out: v.number(),
});
export type HostStats = v.InferOutput<typeof HostStats>;

/** Every reply: a value, or an error as data. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorData };

export const AcquireReply = v.object({ lease: Lease });
export const ExecReply = ExecResult;
export const ReleaseReply = v.object({ released: v.boolean() });

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON bytes of a body. */
export function encodeBody(body: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(body));
}

/** A body from JSON bytes (throws on bad JSON). */
export function decodeBody(data: Uint8Array): unknown {
  return JSON.parse(decoder.decode(data));
}
