// Code generation from strings, every way there is.
export default {
  fetch() {
    const out = [];
    const tries = [
      () => eval("1 + 1"),
      () => new Function("return 1")(),
      () => setTimeout("globalThis.x = 1", 0),
      () => (async function () {}).constructor("return 1"),
      () => (function* () {}).constructor("yield 1"),
    ];
    for (const f of tries) {
      try {
        f();
        out.push("ran");
      } catch (e) {
        out.push(e.name);
      }
    }
    return new Response(out.join(" "));
  },
};
