import type { Redis } from "ioredis";
import type { Keys } from "../../lib/redis/keys";
import { keyedPipeline } from "../../lib/redis/pipeline";
import { uniqueSessions } from "../../lib/sessions/discover";

export interface CopyCheck {
  sessions: number;
  exactlyOne: number;
  /** A few offending ids, for the report. */
  examples: string[];
}

/**
 * Walk every session (SCAN, page by page) and count the copies of `payload` in its list with
 * `LPOS … COUNT 0`: each must hold exactly one. With `remove`, the copy is taken out again in
 * the same pipeline (a list left empty disappears), so the next timed run starts from the
 * seeded state. Streaming, so it runs at 1M sessions too.
 */
export async function checkOneCopyEach(
  redis: Redis,
  keys: Keys,
  payload: string,
  opts: { remove?: boolean; count?: number } = {},
): Promise<CopyCheck> {
  const out: CopyCheck = { sessions: 0, exactlyOne: 0, examples: [] };
  for await (const page of uniqueSessions(redis, keys, { count: opts.count ?? 1000 })) {
    if (page.sessions.length === 0) continue;
    const pipe = keyedPipeline(redis);
    for (const s of page.sessions) {
      const list = keys.sessionMessages(s.id);
      pipe.lpos(list, payload, "COUNT", 0);
      if (opts.remove) pipe.lrem(list, -1, payload);
    }
    const res = (await pipe.exec()) ?? [];
    const step = opts.remove ? 2 : 1;
    page.sessions.forEach((s, i) => {
      const [err, positions] = res[i * step] ?? [new Error("no reply"), null];
      const n = err ? -1 : (positions as number[]).length;
      out.sessions++;
      if (n === 1) out.exactlyOne++;
      else if (out.examples.length < 5) out.examples.push(`${s.id} (${n < 0 ? String(err) : `${n} copies`})`);
    });
  }
  return out;
}
