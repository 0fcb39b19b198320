/**
 * The admin's sign-in session, read from the next-auth cookie. The admin console issue
 * replaces this with next-auth's JWT decoding; until then no cookie authenticates.
 */
export async function adminFromCookieHeader(
  _cookieHeader: string | undefined,
): Promise<{ email: string } | null> {
  return null;
}
