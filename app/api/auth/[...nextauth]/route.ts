// GET/POST /api/auth/* — next-auth (admin sign-in with email and password, CSRF token, sign-out)
import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/nextauth";

export const dynamic = "force-dynamic";

const handler = NextAuth(authOptions);

export { handler as GET, handler as POST };
