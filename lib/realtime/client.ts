import { io, type Socket } from "socket.io-client";
import {
  ADMIN_NAMESPACE,
  type AdminClientToServerEvents,
  type AdminServerToClientEvents,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from "./events";

/** Browser sockets, typed by the shared event map. Same origin: the cookie authenticates. */
export type UserSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type AdminSocket = Socket<AdminServerToClientEvents, AdminClientToServerEvents>;

export function connectUser(): UserSocket {
  return io({ withCredentials: true, transports: ["websocket", "polling"] });
}

export function connectAdmin(): AdminSocket {
  return io(ADMIN_NAMESPACE, { withCredentials: true, transports: ["websocket", "polling"] });
}
