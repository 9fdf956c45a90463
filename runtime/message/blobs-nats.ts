// Offloaded message fields in a JetStream object-store bucket (`<ns>_blobs`), for the distributed bus.
import { createHash } from "node:crypto";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { Base64UrlPaddedCodec, Objm, StorageType, type ObjectStore } from "@nats-io/obj";
import { blobBucketName } from "../bus/nats-names.ts";
import type { BlobStore } from "./blobs.ts";

/** What a caller may set; every field is optional. */
export type NatsBlobStoreOptions = {
  /** Same namespace as the bus; the bucket is `<ns>_blobs`. Default `"mx"`. */
  namespace?: string;
  /** Replicas of the bucket's stream: 1, or 3 on a cluster. Default 1. */
  replicas?: number;
  /** Default `"file"`. */
  storage?: "file" | "memory";
  /** Timeout of each JetStream call (ms). Default 5 000. */
  apiTimeoutMs?: number;
  /** `close()` also drains the connection. Default false. */
  ownsConnection?: boolean;
};

type Opened = { os: ObjectStore; jsm: JetStreamManager };

/**
 * BlobStore over a NATS object store. Keys (`run/task/sha256:hex`) are used as object names as they are: the object
 * store base64-encodes names into its subjects, so `/` and `:` are safe.
 *
 * - `put` is idempotent: a key that exists is not written again (keys are content-addressed);
 * - `get` of a one-chunk object (every field under the 128 KiB chunk size) is one stream read, not a consumer;
 * - `delete` also purges the object's delete marker, so released blobs leave nothing behind.
 *
 * @example
 * const blobs = new NatsBlobStore(nc, { namespace: "mx", replicas: 3 });
 * await offload(msg, blobs);
 */
export class NatsBlobStore implements BlobStore {
  readonly nc: NatsConnection;
  readonly bucket: string;
  readonly #stream: string;
  readonly #replicas: number;
  readonly #storage: "file" | "memory";
  readonly #timeout: number;
  readonly #owns: boolean;
  #opened: Promise<Opened> | undefined;

  constructor(nc: NatsConnection, opts: NatsBlobStoreOptions = {}) {
    this.nc = nc;
    this.bucket = blobBucketName(opts.namespace ?? "mx");
    this.#stream = `OBJ_${this.bucket}`;
    this.#replicas = opts.replicas ?? 1;
    this.#storage = opts.storage ?? "file";
    this.#timeout = opts.apiTimeoutMs ?? 5_000;
    this.#owns = opts.ownsConnection ?? false;
  }

  /** Creates the bucket if it does not exist (done on first use otherwise). */
  async ready(): Promise<void> {
    await this.#open();
  }

  #open(): Promise<Opened> {
    this.#opened ??= (async () => {
      const js = jetstream(this.nc, { timeout: this.#timeout });
      const os = await new Objm(js).create(this.bucket, {
        replicas: this.#replicas,
        storage: this.#storage === "memory" ? StorageType.Memory : StorageType.File,
      });
      const jsm = await jetstreamManager(this.nc, { timeout: this.#timeout, checkAPI: false });
      return { os, jsm };
    })().catch((err: unknown) => {
      this.#opened = undefined;
      throw err;
    });
    return this.#opened;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const { os } = await this.#open();
    const info = await os.info(key);
    if (info && !info.deleted) return;
    await os.putBlob({ name: key }, bytes);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const { os, jsm } = await this.#open();
    const info = await os.info(key);
    if (!info || info.deleted) return undefined;
    if (info.chunks === 0) return new Uint8Array(0);
    if (info.chunks > 1) return (await os.getBlob(key)) ?? undefined;
    const chunk = await jsm.streams.getMessage(this.#stream, { last_by_subj: `$O.${this.bucket}.C.${info.nuid}` });
    if (!chunk) return undefined;
    // The object's digest is `SHA-256=<base64url with padding>`.
    const digest = "SHA-256=" + createHash("sha256").update(chunk.data).digest("base64url");
    if (info.digest.replace(/=+$/, "") !== digest.replace(/=+$/, "")) throw new Error(`blob ${key}: digest mismatch`);
    return chunk.data;
  }

  async delete(key: string): Promise<void> {
    const { os, jsm } = await this.#open();
    const res = await os.delete(key);
    if (!res.success) return;
    // The object store leaves a "deleted" record per name; purge it so released blobs cost nothing.
    await jsm.streams.purge(this.#stream, { filter: `$O.${this.bucket}.M.${Base64UrlPaddedCodec.encode(key)}` });
  }

  /** Drains the connection only when this store owns it. */
  async close(): Promise<void> {
    if (this.#owns && !this.nc.isClosed()) await this.nc.drain();
  }
}
