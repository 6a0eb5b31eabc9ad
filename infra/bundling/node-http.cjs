// `node:http` for the Lambda bundles (an esbuild alias in infra/constructs/report-functions.ts).
// An ESM `import` of node:http builds its module namespace, which reads every export,
// including the lazy `WebSocket`, `CloseEvent` and `MessageEvent` getters: that loads Node's
// whole undici (fetch, WebSocket) at import, about 35 ms of every cold start, although no
// handler uses it. The CommonJS module object, as `require` returns it, reads no export
// until it is used.
module.exports = process.getBuiltinModule("node:http");
