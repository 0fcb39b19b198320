import type { Logger } from "pino";
import { type Config, getConfig } from "./config";
import { getLogger } from "./log";
import { getRedis, type HeraldRedis } from "./redis/connection";
import { getKeys, type Keys } from "./redis/keys";

/** What domain operations need; built from process-wide singletons or passed explicitly by tests. */
export interface Deps {
  redis: HeraldRedis;
  keys: Keys;
  config: Config;
  log: Logger;
}

export function getDeps(): Deps {
  return { redis: getRedis(), keys: getKeys(), config: getConfig(), log: getLogger() };
}
