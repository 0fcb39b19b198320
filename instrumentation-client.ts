// Runs in the browser before the app's own code (Next's client instrumentation hook).
//
// zod compiles object schemas with `new Function` when it may, and probes for it the first time
// a schema is built. The pages' CSP allows no eval, and the browser reports even that caught
// probe as a CSP violation; so zod is told, before any schema exists, not to try.
const holder = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
holder.__zod_globalConfig ??= {};
holder.__zod_globalConfig.jitless = true;
