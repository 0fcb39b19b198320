import { Emitter } from "@socket.io/redis-emitter";
import { getLogger } from "../log";
import { clusterOf, getRedis } from "../redis/connection";
import { ADMIN_NAMESPACE, type AdminServerToClientEvents, type ServerToClientEvents } from "./events";

/** An event map: event name -> listener (socket.io's own maps have this shape). */
// biome-ignore lint/suspicious/noExplicitAny: listener parameters are each event's own
type EventMap<M> = { [K in keyof M]: (...args: any[]) => void };

/** What Herald emits with: to everyone in a namespace, or to some rooms of it. */
export interface LiveEmitter<M extends EventMap<M>> {
  emit<E extends keyof M & string>(event: E, ...args: Parameters<M[E]>): unknown;
  to(rooms: string | string[]): {
    emit<E extends keyof M & string>(event: E, ...args: Parameters<M[E]>): unknown;
  };
  /** Close the sockets in these rooms (an admin's ended sign-in). */
  in(rooms: string | string[]): { disconnectSockets(close?: boolean): unknown };
}

/**
 * Emit to Socket.IO clients from any process. On one Redis: the emitter publishes through
 * Redis (PUBLISH) and every server's Redis adapter delivers locally, so route handlers, the CLI
 * and other instances all reach every client. On a cluster the servers use the sharded adapter
 * (SPUBLISH), which the emitter cannot speak to: a server registers its own Socket.IO server
 * instead (useServerEmitters), and a process without one (the CLI) pushes nothing live; the
 * clients catch up from their history when they reconnect, and jobs run on a server's worker.
 */
export interface Emitters {
  users: LiveEmitter<ServerToClientEvents>;
  admins: LiveEmitter<AdminServerToClientEvents>;
}

const EMITTERS = Symbol.for("herald.emitters");
type Holder = { [EMITTERS]?: Emitters };

export function getEmitters(): Emitters {
  const g = globalThis as Holder;
  if (!g[EMITTERS]) {
    // Publishing needs no subscriber connection; a dedicated one keeps fan-out writes unblocked.
    const pub = getRedis("emitter");
    if (clusterOf(pub)) {
      getLogger().debug("no Socket.IO server in this process: live pushes are skipped on a cluster");
      g[EMITTERS] = { users: silent(), admins: silent() };
    } else {
      const users = new Emitter<ServerToClientEvents>(pub);
      const admins = new Emitter<AdminServerToClientEvents>(pub).of(ADMIN_NAMESPACE);
      g[EMITTERS] = { users, admins };
    }
  }
  return g[EMITTERS]!;
}

/** This process's Socket.IO server emits for everyone in it (route handlers, its worker): the cluster case. */
export function useServerEmitters(emitters: Emitters): void {
  (globalThis as Holder)[EMITTERS] = emitters;
}

export function resetEmitters(): void {
  delete (globalThis as Holder)[EMITTERS];
}

function silent<M extends EventMap<M>>(): LiveEmitter<M> {
  const none = { emit: () => false };
  // An ended admin sign-in's open socket is then refused at its next connection instead.
  return { ...none, to: () => none, in: () => ({ disconnectSockets: () => undefined }) };
}
