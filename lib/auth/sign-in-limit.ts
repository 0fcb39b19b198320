import type { Deps } from "../context";
import { addressBucket } from "../limits/address";
import { consume, limitSubject, type RateDecision, type RateRule } from "../limits/rate";

/**
 * Admin sign-in attempts are counted before the password is checked, per (email, address) and
 * per address, in one atomic step (rate-limit.lua): parallel guesses cannot all slip past the
 * check, and argon2 runs at most as often as the limit allows. There is no per-email limit, so
 * someone who knows an admin's email cannot lock them out: the right password from another
 * address is never refused. A successful sign-in gives its attempt back.
 */
export const SIGN_IN_RULES = {
  /** Per email and address: a handful of typos, not a guessing run. */
  perAccount: { burst: 5, perPeriod: 5, periodSeconds: 15 * 60 } satisfies RateRule,
  /** Per address (IPv6: /64): several admins may share an office's address. */
  perAddress: { burst: 20, perPeriod: 20, periodSeconds: 15 * 60 } satisfies RateRule,
};

function limitKeys(deps: Deps, email: string, address: string) {
  const [perAddress, perAccount] = deps.keys.signInLimits(
    limitSubject(addressBucket(address)),
    limitSubject(email.trim().toLowerCase()),
  );
  return [
    { key: perAccount!, rule: SIGN_IN_RULES.perAccount },
    { key: perAddress!, rule: SIGN_IN_RULES.perAddress },
  ];
}

/** Take one attempt for this email from this address (or learn when the next one is allowed). */
export function takeSignInAttempt(deps: Deps, email: string, address: string): Promise<RateDecision> {
  return consume(deps.redis, limitKeys(deps, email, address));
}

/** A successful sign-in: its attempt is given back, so admins who sign in often never run out. */
export async function giveBackSignInAttempt(deps: Deps, email: string, address: string): Promise<void> {
  await consume(deps.redis, limitKeys(deps, email, address), -1);
}

/**
 * How long a refused sign-in takes here when its password is checked (moving average). A
 * limited attempt waits as long before it answers, so the answer's timing does not tell
 * whether the limit was reached.
 */
let typicalMs: number | null = null;
export function recordRefusal(ms: number): void {
  typicalMs = typicalMs === null ? ms : typicalMs * 0.7 + ms * 0.3;
}
/** Before any refusal was measured: about one argon2id check here. */
export const typicalRefusalMs = () => typicalMs ?? 25;
