import type { UserSocket } from "@/lib/realtime/client";

/**
 * Delivery receipts of one tab: `ack` once a broadcast reached the page, `seen` once it was
 * actually visible. Each is sent once the socket is connected, retried after a reconnect when
 * it could not be recorded, and remembered (also across reloads, in localStorage) once the
 * server confirmed it, so a long history is not acknowledged again on every visit.
 */
export type ReceiptKind = "ack" | "seen";

const RANK: Record<ReceiptKind, 1 | 2> = { ack: 1, seen: 2 };
const STORAGE_KEY = "herald.receipts";
const REMEMBER = 2000;
const TIMEOUT_MS = 10_000;
/** Answers after which retrying cannot help. */
const FINAL_ERRORS = new Set(["invalid receipt"]);

export class Receipts {
  /** id -> highest receipt the server confirmed. */
  private readonly done = new Map<string, 1 | 2>();
  /** id -> highest receipt still to send. */
  private readonly wanted = new Map<string, ReceiptKind>();
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly socket: UserSocket,
    private readonly storage: Storage | null = safeLocalStorage(),
  ) {
    this.load();
  }

  request(id: string, kind: ReceiptKind): void {
    if ((this.done.get(id) ?? 0) >= RANK[kind]) return;
    const cur = this.wanted.get(id);
    if (cur && RANK[cur] >= RANK[kind]) return;
    this.wanted.set(id, kind);
    this.flush();
  }

  /** Send what is wanted (called again on every connect). */
  flush(): void {
    if (!this.socket.connected) return;
    for (const [id, kind] of this.wanted) {
      const key = `${kind}:${id}`;
      if (this.inFlight.has(key)) continue;
      this.inFlight.add(key);
      this.socket
        .timeout(TIMEOUT_MS)
        .emitWithAck(kind, { id })
        .then((res) => {
          if ("data" in res) this.confirm(id, kind);
          else if (FINAL_ERRORS.has(res.error)) this.drop(id, kind);
        })
        .catch(() => {
          // timed out or disconnected: stays wanted, sent again on the next connect
        })
        .finally(() => this.inFlight.delete(key));
    }
  }

  private confirm(id: string, kind: ReceiptKind): void {
    this.done.set(id, Math.max(this.done.get(id) ?? 0, RANK[kind]) as 1 | 2);
    this.drop(id, kind);
    this.save();
  }

  private drop(id: string, kind: ReceiptKind): void {
    const cur = this.wanted.get(id);
    if (cur && RANK[cur] <= RANK[kind]) this.wanted.delete(id);
  }

  private load(): void {
    try {
      const raw = this.storage?.getItem(STORAGE_KEY);
      const parsed: unknown = raw ? JSON.parse(raw) : null;
      if (!parsed || typeof parsed !== "object") return;
      for (const [id, v] of Object.entries(parsed)) if (v === 1 || v === 2) this.done.set(id, v);
    } catch {
      // unreadable storage: receipts are simply sent again (the server ignores repeats)
    }
  }

  private save(): void {
    if (!this.storage) return;
    // Maps keep insertion order: keep the most recent entries only.
    const entries = [...this.done.entries()].slice(-REMEMBER);
    try {
      this.storage.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(entries)));
    } catch {
      // quota or privacy mode: nothing to remember
    }
  }
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null;
  }
}
