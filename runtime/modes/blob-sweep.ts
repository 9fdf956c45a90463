// Removes whatever blobs a finished run left in the object store (released fields are already gone).
import { Objm } from "@nats-io/obj";
import type { NatsBlobStore } from "../message/blobs-nats.ts";

/**
 * Deletes every object whose name starts with `<run>/`. The sink releases a task's blobs after its row is stored;
 * this catches the rest (a hop redelivered after its task ended, an agent killed between store and release).
 * Returns the number of blobs deleted.
 */
export async function sweepRunBlobs(blobs: NatsBlobStore, run: string): Promise<number> {
  await blobs.ready();
  const os = await new Objm(blobs.nc).open(blobs.bucket);
  let n = 0;
  for (const info of await os.list()) {
    if (info.deleted || !info.name.startsWith(`${run}/`)) continue;
    await blobs.delete(info.name);
    n++;
  }
  return n;
}
