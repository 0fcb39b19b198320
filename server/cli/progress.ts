import cliProgress from "cli-progress";

/**
 * A progress bar on stderr, only when stderr is a terminal (pipes and CI logs stay clean).
 * The total may be unknown at first (0): the bar then shows the count alone until it is known.
 */
export interface Progress {
  /** False when nothing is drawn (stderr is not a terminal): callers may skip work done only for the bar. */
  active: boolean;
  update(value: number, total: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

const NOOP: Progress = { active: false, update() {}, stop() {} };

export function createProgress(label: string, extraFormat = ""): Progress {
  if (!process.stderr.isTTY) return NOOP;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: (options, params, payload: Record<string, unknown>) => {
        const known = params.total > 0;
        const size = options.barsize ?? 30;
        const filled = known ? Math.round(Math.min(1, params.value / params.total) * size) : 0;
        const barStr = known ? "█".repeat(filled) + "░".repeat(size - filled) : "░".repeat(size);
        const pct = known
          ? `${Math.floor(Math.min(1, params.value / params.total) * 100)}%`.padStart(4)
          : "  ?%";
        const count = `${params.value}/${known ? params.total : "?"}`;
        let extra = extraFormat;
        for (const [k, v] of Object.entries(payload)) extra = extra.replaceAll(`{${k}}`, String(v));
        return `${label} ${barStr} ${pct} | ${count}${extra ? ` | ${extra}` : ""}`;
      },
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    active: true,
    update(value, total, payload = {}) {
      if (!started) {
        bar.start(total, value, payload);
        started = true;
        return;
      }
      if (total !== bar.getTotal()) bar.setTotal(total);
      bar.update(value, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
