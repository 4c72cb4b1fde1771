// Poisons every object as a thenable: anything the runtime resolves a promise with that
// inherits from Object.prototype would call this getter.
let calls = 0;
Object.defineProperty(Object.prototype, "then", {
  get() {
    calls++;
    return undefined;
  },
  configurable: true,
});
export default {
  async fetch(req, env) {
    const text = await (await fetch(env.PUBLIC + "/hello")).text();
    const streamed = await new Response(new Blob(["a", "b"]).stream()).text();
    return new Response(`${text} ${streamed} (the poisoned getter ran ${calls > 0 ? "" : "not "}at all)`);
  },
};
