// Leaves a secret in its global scope and on the shared-looking prototypes of its realm.
export default {
  fetch() {
    globalThis.WRITER_SECRET = "the writer's secret";
    Object.prototype.leaked = "the writer's secret";
    Array.prototype.leaked = "the writer's secret";
    return new Response("planted");
  },
};
