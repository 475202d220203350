// Vitest runs outside React's server environment, where the real "server-only"
// package throws on import by design; tests alias it to this empty module.
export {};
