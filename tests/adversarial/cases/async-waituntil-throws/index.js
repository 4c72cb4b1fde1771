// waitUntil promises that reject, synchronously and later.
export default {
  fetch(req, env, ctx) {
    ctx.waitUntil(Promise.reject(new Error("rejected in waitUntil")));
    ctx.waitUntil(new Promise((_, reject) => setTimeout(() => reject(new TypeError("late waitUntil failure")), 5)));
    ctx.waitUntil((async () => { throw new RangeError("async waitUntil failure"); })());
    return new Response("responded");
  },
};
