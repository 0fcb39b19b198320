import type { Cluster } from "ioredis";

/**
 * Which cluster slot and node a key belongs to, so that a batch of keys can be cut into calls
 * that each stay on one node (Redis refuses a call whose keys are not all served where it runs).
 */

export const SLOT_COUNT = 16384;

// CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with.
const CRC_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >> 8) ^ bytes[i]!) & 0xff]!) & 0xffff;
  return crc;
}

/** The slot of a key: only its hash tag (`{…}`, first one, non-empty) counts when it has one. */
export function keySlot(key: string | Buffer): number {
  const bytes = typeof key === "string" ? Buffer.from(key) : key;
  const open = bytes.indexOf(0x7b); // {
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1); // }
    if (close > open + 1) return crc16(bytes, open + 1, close) % SLOT_COUNT;
  }
  return crc16(bytes, 0, bytes.length) % SLOT_COUNT;
}

/**
 * Indexes of `keys` grouped by the node that serves their slot now, as the client's slot map
 * says. The map may be stale during a resharding: a call made from a group then fails with a
 * redirection before it runs anything, and the caller retries key by key (see isRedirection).
 */
export function groupByNode(cluster: Cluster, keys: readonly string[]): number[][] {
  const groups = new Map<string, number[]>();
  keys.forEach((key, i) => {
    const slot = keySlot(key);
    const node = cluster.slots[slot]?.[0] ?? `slot:${slot}`;
    const group = groups.get(node);
    if (group) group.push(i);
    else groups.set(node, [i]);
  });
  return [...groups.values()];
}

/**
 * True when a call failed because its keys were not all served by the node that got it (a slot
 * migrating, a stale slot map): Redis ran nothing of it, so the same work may be sent again in
 * smaller calls that ioredis can route one key at a time. A lost connection is not one of them
 * (the call may have run): that error goes to the caller.
 */
export function isRedirection(err: unknown): boolean {
  return (
    err instanceof Error &&
    /^(MOVED|ASK|TRYAGAIN|CROSSSLOT) |Too many Cluster redirections\. Last error: .*\b(MOVED|ASK|TRYAGAIN|CROSSSLOT) |non.local key|slots allocation group|should belong to the same slot/.test(
      err.message,
    )
  );
}

/**
 * A short hash tag for each slot: a key `…{tag}…` lives in that slot. Lets a per-broadcast key
 * sit in the slot of the session keys it goes with, so one atomic call can touch both (the
 * fan-out's marks on a cluster). Found once, by trying base-36 numbers (~170,000 CRC16s).
 */
let slotTags: string[] | undefined;
export function slotTag(slot: number): string {
  if (!slotTags) {
    const tags = new Array<string>(SLOT_COUNT);
    let left = SLOT_COUNT;
    for (let i = 0; left > 0; i++) {
      const tag = i.toString(36);
      const s = keySlot(`{${tag}}`);
      if (tags[s] === undefined) {
        tags[s] = tag;
        left--;
      }
    }
    slotTags = tags;
  }
  const tag = slotTags[slot];
  if (tag === undefined) throw new RangeError(`no slot ${slot}`);
  return tag;
}

/** Indexes of `keys` grouped by slot, in order of first appearance. */
export function groupBySlot(keys: readonly string[]): number[][] {
  const groups = new Map<number, number[]>();
  keys.forEach((key, i) => {
    const slot = keySlot(key);
    const group = groups.get(slot);
    if (group) group.push(i);
    else groups.set(slot, [i]);
  });
  return [...groups.values()];
}
