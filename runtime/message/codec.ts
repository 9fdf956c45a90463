// The one CBOR codec: envelopes and results cross every bus as these bytes (cbor-x, no records extension).
import { Decoder, Encoder, setSizeLimits } from "cbor-x";
import { MatrixError } from "../errors.ts";

/** Decode limits for untrusted input. */
export const DECODE_LIMITS = {
  maxBytes: 64 * 1024 * 1024,
  maxArraySize: 1_000_000,
  maxMapSize: 100_000,
  maxObjectSize: 100_000,
} as const;

setSizeLimits({
  maxArraySize: DECODE_LIMITS.maxArraySize,
  maxMapSize: DECODE_LIMITS.maxMapSize,
  maxObjectSize: DECODE_LIMITS.maxObjectSize,
});

// useRecords: false keeps the output plain CBOR that any language can read;
// mapsAsObjects decodes maps with string keys to plain objects.
const options = { useRecords: false, mapsAsObjects: true, tagUint8Array: false } as const;
const encoder = new Encoder(options);
const decoder = new Decoder(options);

/** Encodes a value to CBOR bytes. */
export function encode(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/** Decodes CBOR bytes, rejecting oversized input. */
export function decode(bytes: Uint8Array): unknown {
  if (bytes.byteLength > DECODE_LIMITS.maxBytes) {
    throw new MatrixError("decode", `message of ${bytes.byteLength} bytes exceeds the ${DECODE_LIMITS.maxBytes}-byte limit`);
  }
  try {
    return decoder.decode(bytes);
  } catch (err) {
    throw new MatrixError("decode", `cannot decode CBOR message: ${(err as Error).message}`, { cause: err });
  }
}
