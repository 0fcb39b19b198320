import { Emitter } from "@socket.io/redis-emitter";
import { getRedis } from "../redis/connection";
import { ADMIN_NAMESPACE, type AdminServerToClientEvents, type ServerToClientEvents } from "./events";

/**
 * Emit to Socket.IO clients from any process (route handlers, the CLI, another instance):
 * the emitter publishes through Redis and every server's Redis adapter delivers locally.
 */
export interface Emitters {
  users: Emitter<ServerToClientEvents>;
  admins: Emitter<AdminServerToClientEvents>;
}

const EMITTERS = Symbol.for("herald.emitters");
type Holder = { [EMITTERS]?: Emitters };

export function getEmitters(): Emitters {
  const g = globalThis as Holder;
  if (!g[EMITTERS]) {
    // Publishing needs no subscriber connection; a dedicated one keeps fan-out writes unblocked.
    const pub = getRedis("emitter");
    const users = new Emitter<ServerToClientEvents>(pub);
    const admins = new Emitter<AdminServerToClientEvents>(pub).of(ADMIN_NAMESPACE);
    g[EMITTERS] = { users, admins };
  }
  return g[EMITTERS];
}

export function resetEmitters(): void {
  delete (globalThis as Holder)[EMITTERS];
}
