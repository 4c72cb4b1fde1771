// Splits a 2^28-character string into one part per character: more parts than V8's largest
// array, which aborted the whole process.
export default {
  fetch() {
    try {
      return new Response("parts " + "ab".repeat(2 ** 27).split("").length);
    } catch (e) {
      return new Response(e.name);
    }
  },
};
