import { isIPv6 } from "node:net";

/**
 * The client's address as seen by a route handler or the custom server. Without a trusted
 * proxy the custom server overwrites `x-forwarded-for` with the socket's address; behind one
 * (HERALD_TRUST_PROXY) the last entry is the address our proxy saw, which the client cannot forge.
 */
export function clientAddress(headers: Record<string, string | string[] | undefined> | Headers): string {
  const raw = headers instanceof Headers ? headers.get("x-forwarded-for") : headers["x-forwarded-for"];
  const xff = Array.isArray(raw) ? raw.join(",") : raw;
  const last = xff
    ?.split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .pop();
  return last ? last.slice(0, 100) : "unknown";
}

/**
 * The unit a per-address limit counts: an IPv4 address, or an IPv6 /64 (one subscriber gets a
 * whole /64, so counting single IPv6 addresses would let a client rotate through billions).
 */
export function addressBucket(address: string): string {
  const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
  if (!isIPv6(plain)) return plain;
  return `${expandIPv6(plain).slice(0, 4).join(":")}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head = "", tail] = address.split("%")[0]!.split("::") as [string, string | undefined];
  const parts = (s: string) => (s === "" ? [] : s.split(":"));
  const left = parts(head);
  const right = tail === undefined ? [] : parts(tail);
  const missing = Math.max(0, 8 - left.length - right.length);
  return [...left, ...Array<string>(missing).fill("0"), ...right].map((h) =>
    h.toLowerCase().replace(/^0+(?=.)/, ""),
  );
}
