// Slices a 2^28-character string as an array-like (one element per character), which aborted
// the whole process ("Fatal JavaScript out of memory: invalid table size").
export default {
  fetch() {
    try {
      return new Response("elements " + Array.prototype.slice.call("ab".repeat(2 ** 27)).length);
    } catch (e) {
      return new Response(`${e.name}: ${e.message}`);
    }
  },
};
