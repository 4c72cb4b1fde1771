// Recursion through the engine: an object whose toString stringifies itself, and a getter
// chain through a Proxy.
export default {
  fetch() {
    const out = [];
    const o = {};
    o.toString = () => "" + o;
    try { String(o); } catch (e) { out.push(e.name); }
    const p = new Proxy({}, { get: (t, k, r) => r[k] });
    try { p.x; } catch (e) { out.push(e.name); }
    return new Response(out.join(" "));
  },
};
