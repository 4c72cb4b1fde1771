// Asks for a string longer than V8 allows.
export default {
  fetch() {
    try {
      return new Response("length " + "x".repeat(2 ** 30).length);
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
