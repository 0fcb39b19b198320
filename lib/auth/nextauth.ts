import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDeps } from "../context";
import { clientAddress } from "../limits/address";
import { getLogger } from "../log";
import { endSignIn } from "./account";
import { startAdminSession } from "./admin-sessions";
import { normalizeEmail, verifyAdmin } from "./admins";

export const SIGN_IN_PAGE = "/admin/sign-in";
/** How long a sign-in lasts; the admin signs in again after a working day. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/**
 * next-auth for the admin console: email + password checked against the admins in Redis,
 * sessions as encrypted JWT cookies that name a server-side sign-in record (lib/auth/admin-sessions.ts),
 * checked on every request by lib/auth/admin-session.ts. Attempts are limited before this runs
 * (app/api/auth/[...nextauth]/route.ts). The secret comes from NEXTAUTH_SECRET, which the server
 * sets at start (lib/auth/secret.ts).
 */
export const authOptions: NextAuthOptions = {
  providers: [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
      },
      async authorize(credentials, req) {
        const email = typeof credentials?.email === "string" ? credentials.email.slice(0, 320) : "";
        const password = typeof credentials?.password === "string" ? credentials.password : "";
        const headers = req?.headers ?? {};
        const address = clientAddress(headers);
        const { redis, keys } = getDeps();
        const log = getLogger();
        const ok = await verifyAdmin(redis, keys, email, password);
        // Every refusal looks the same to the client (next-auth's CredentialsSignin).
        if (!ok) {
          log.warn({ email, address }, "admin sign-in failed");
          return null;
        }
        const normalized = normalizeEmail(email)!;
        const userAgent = headers["user-agent"];
        const sid = await startAdminSession(redis, keys, normalized, {
          maxAgeSeconds: SESSION_MAX_AGE_SECONDS,
          address,
          userAgent: typeof userAgent === "string" ? userAgent : undefined,
        });
        log.info({ email: normalized, address }, "admin signed in");
        return { id: normalized, email: normalized, sid };
      },
    }),
  ],
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  jwt: { maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: SIGN_IN_PAGE, error: SIGN_IN_PAGE },
  callbacks: {
    // The token carries the admin's email and sign-in id; lib/auth/admin-session.ts checks both against Redis.
    jwt({ token, user }) {
      if (user?.email) {
        token.email = user.email;
        token.sid = (user as { sid?: string }).sid;
      }
      return token;
    },
    session({ session, token }) {
      session.user = { email: typeof token.email === "string" ? token.email : null };
      return session;
    },
  },
  events: {
    // Sign-out ends this sign-in on the server too: the old cookie stops working everywhere.
    async signOut({ token }) {
      const sid = typeof token?.sid === "string" ? token.sid : null;
      if (!sid) return;
      await endSignIn(getDeps(), sid);
      getLogger().info({ email: token.email }, "admin signed out");
    },
  },
  logger: {
    error: (code, metadata) => getLogger().error({ code, metadata: String(metadata) }, "next-auth error"),
    warn: (code) => getLogger().warn({ code }, "next-auth warning"),
    debug: () => {},
  },
};
