// JSON nested 100,000 levels deep: parsed (V8's parser is iterative, ~20 ms), then stringified
// again (a recursive walk that runs out of stack only after ~300 ms of CPU, past the limit).
export default {
  fetch() {
    const depth = 1e5;
    const text = "[".repeat(depth) + "]".repeat(depth);
    let v;
    try {
      v = JSON.parse(text);
    } catch (e) {
      return new Response("parse: " + e.name + ": " + e.message);
    }
    try {
      return new Response("round trip of " + JSON.stringify(v).length + " bytes");
    } catch (e) {
      return new Response("stringify: " + e.name + ": " + e.message);
    }
  },
};
