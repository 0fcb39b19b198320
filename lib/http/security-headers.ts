import { randomBytes } from "node:crypto";

/**
 * The security headers of every response Herald sends, from this one place (the custom server
 * sets them before Next, Socket.IO or its own error pages answer).
 *
 * Scripts run only with this response's nonce ('strict-dynamic' lets Next's own loader add its
 * chunks); Next reads the nonce from the request's CSP header and puts it on the scripts it
 * renders. Styles may be inline (React style attributes), scripts never.
 */
export interface SecurityHeaderOptions {
  nonce: string;
  /** Served over HTTPS (directly or behind a trusted proxy): add HSTS and upgrade requests. */
  https: boolean;
  /** Next's dev server evaluates code and keeps a websocket for hot reload. */
  dev: boolean;
}

export const newNonce = () => randomBytes(16).toString("base64");

export function contentSecurityPolicy({ nonce, https, dev }: SecurityHeaderOptions): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    // 'self' covers the same-origin websocket of Socket.IO in CSP 3 browsers.
    `connect-src 'self'${dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}

export function securityHeaders(opts: SecurityHeaderOptions): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(opts),
    // For browsers without frame-ancestors.
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
    ...(opts.https ? { "strict-transport-security": "max-age=31536000; includeSubDomains" } : {}),
  };
}
