/** @type {import('next').NextConfig} */
const nextConfig = {
  // The legacy alias POST /chat/api/broadcast/ must answer itself: scripts do not follow a 308 on POST.
  skipTrailingSlashRedirect: true,
  // Native and server-only packages stay out of the bundle; they are loaded from node_modules at run time.
  serverExternalPackages: [
    "ioredis",
    "bullmq",
    "pino",
    "@node-rs/argon2",
    "prom-client",
    "@socket.io/redis-emitter",
  ],
  poweredByHeader: false,
  // `npm test` type-checks the whole tree with tsc once; the build need not do it again.
  typescript: { ignoreBuildErrors: true },
  reactStrictMode: true,
};

export default nextConfig;
