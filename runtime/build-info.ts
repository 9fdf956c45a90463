// What `matrix --version` reports: the package version, the JS runtime, and the commit and date stamped at build time.
import pkg from "../package.json" with { type: "json" };
import { isNativeAccelerationEnabled } from "cbor-x";
import { detectRuntime } from "./adapter/nats.ts";
import "./message/codec.ts";

// Replaced by `bun build --define` when the single binary is built; absent when running from sources.
declare const MATRIX_BUILD_COMMIT: string | undefined;
declare const MATRIX_BUILD_DATE: string | undefined;

/** Build facts of this `matrix`: `commit` and `date` are set only in a built binary. */
export type BuildInfo = {
  version: string;
  runtime: string;
  platform: string;
  /** `native` when cbor-x's string extractor addon loaded, else `pure-JS`. */
  codec: "native" | "pure-JS";
  commit: string | undefined;
  date: string | undefined;
};

function runtimeVersion(): string {
  const rt = detectRuntime();
  const versions = process.versions as Record<string, string | undefined>;
  return `${rt} ${versions[rt] ?? process.version}`;
}

/** The build facts of the running program. */
export function buildInfo(): BuildInfo {
  return {
    version: pkg.version,
    runtime: runtimeVersion(),
    platform: `${process.platform}-${process.arch}`,
    codec: isNativeAccelerationEnabled ? "native" : "pure-JS",
    commit: typeof MATRIX_BUILD_COMMIT === "string" ? MATRIX_BUILD_COMMIT : undefined,
    date: typeof MATRIX_BUILD_DATE === "string" ? MATRIX_BUILD_DATE : undefined,
  };
}

/**
 * One line for `--version`.
 * @example versionLine() // "0.1.0 (bun 1.3.0, linux-x64, cbor native, commit 0b7726a, built 2025-01-01T00:00:00Z)"
 */
export function versionLine(info: BuildInfo = buildInfo()): string {
  const parts = [info.runtime, info.platform, `cbor ${info.codec}`];
  parts.push(info.commit === undefined ? "from sources" : `commit ${info.commit}`);
  if (info.date !== undefined) parts.push(`built ${info.date}`);
  return `${info.version} (${parts.join(", ")})`;
}
