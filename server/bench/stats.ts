/** Small numeric helpers shared by the bench scripts. */
import { parseArgs as parseArgsStrict } from "node:util";

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface LatencySummary {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(values: number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  return {
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

export const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
export const fmtMs = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)} ms` : "n/a");
export const fmtMB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Peak resident set size of this process so far, in bytes (getrusage ru_maxrss). */
export const peakRss = () => process.resourceUsage().maxRSS * 1024;

/**
 * The bench's options (node:util parseArgs, strict): `strings` take a value, `flags` do not.
 * An unknown option or a missing value ends the process with the reason and exit code 2, as
 * the CLI does, instead of being ignored by a long run.
 */
export function parseArgs(
  argv: string[],
  spec: { strings: string[]; flags: string[] },
): Record<string, string | true> {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const k of spec.strings) options[k] = { type: "string" };
  for (const k of spec.flags) options[k] = { type: "boolean" };
  try {
    const { values } = parseArgsStrict({ args: argv, options, strict: true, allowPositionals: false });
    return values as Record<string, string | true>;
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
}

function usageError(message: string): never {
  process.stderr.write(`error: ${message}\n(add --help for usage)\n`);
  process.exit(2);
}

export function intArg(args: Record<string, string | true>, name: string, dflt: number, min = 0): number {
  const v = args[name];
  if (v === undefined) return dflt;
  const n = Number(String(v).replace(/_/g, ""));
  if (!Number.isInteger(n) || n < min) usageError(`--${name} must be an integer ≥ ${min} (got ${v})`);
  return n;
}
