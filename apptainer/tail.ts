// A byte sink that keeps only the last `cap` bytes of a stream (the end of an output says why it failed).

/** Collects chunks, dropping whole chunks from the head once more than `cap` bytes are kept. */
export class TailBuffer {
  readonly #cap: number;
  readonly #chunks: Uint8Array[] = [];
  #kept = 0;
  /** Bytes seen in total (kept or dropped). */
  total = 0;

  constructor(cap: number) {
    this.#cap = cap;
  }

  push(chunk: Uint8Array): void {
    this.total += chunk.byteLength;
    this.#chunks.push(chunk);
    this.#kept += chunk.byteLength;
    while (this.#chunks.length > 1 && this.#kept - this.#chunks[0]!.byteLength >= this.#cap) {
      this.#kept -= this.#chunks.shift()!.byteLength;
    }
  }

  /** The last `cap` bytes as text. */
  text(): string {
    const all = new Uint8Array(this.#kept);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.byteLength;
    }
    const from = Math.max(0, all.byteLength - this.#cap);
    return new TextDecoder().decode(all.subarray(from));
  }
}
