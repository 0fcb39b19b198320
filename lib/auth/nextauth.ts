import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDeps } from "../context";
import { getLogger } from "../log";
import { normalizeEmail, verifyAdmin } from "./admins";
import { clearSignInFailures, clientAddress, isSignInBlocked, recordSignInFailure } from "./rate-limit";

export const SIGN_IN_PAGE = "/admin/sign-in";
/** How long a sign-in lasts; the admin signs in again after a working day. */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/**
 * next-auth for the admin console: email + password checked against the admins in Redis,
 * sessions as encrypted JWT cookies (decoded again by lib/auth/admin-session.ts). The secret
 * comes from NEXTAUTH_SECRET, which the server sets at start (lib/auth/secret.ts).
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
        const subject = { email, address: clientAddress(req?.headers ?? {}) };
        const { redis, keys } = getDeps();
        const log = getLogger();
        // Every refusal looks the same to the client (next-auth's CredentialsSignin).
        if (await isSignInBlocked(redis, keys, subject)) {
          log.warn({ email, address: subject.address }, "admin sign-in refused: too many failures");
          return null;
        }
        if (!email || !password || !(await verifyAdmin(redis, keys, email, password))) {
          await recordSignInFailure(redis, keys, subject);
          log.warn({ email, address: subject.address }, "admin sign-in failed");
          return null;
        }
        await clearSignInFailures(redis, keys, subject);
        const normalized = normalizeEmail(email)!;
        log.info({ email: normalized }, "admin signed in");
        return { id: normalized, email: normalized };
      },
    }),
  ],
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  jwt: { maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: SIGN_IN_PAGE, error: SIGN_IN_PAGE },
  callbacks: {
    // The token carries the admin's email only; lib/auth/admin-session.ts checks it against Redis.
    jwt({ token, user }) {
      if (user?.email) token.email = user.email;
      return token;
    },
    session({ session, token }) {
      session.user = { email: typeof token.email === "string" ? token.email : null };
      return session;
    },
  },
  logger: {
    error: (code, metadata) => getLogger().error({ code, metadata: String(metadata) }, "next-auth error"),
    warn: (code) => getLogger().warn({ code }, "next-auth warning"),
    debug: () => {},
  },
};
