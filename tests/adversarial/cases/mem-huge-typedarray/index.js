// Asks for a 2 GiB typed array at once.
export default {
  fetch() {
    try {
      const a = new Uint8Array(2 ** 31);
      return new Response("allocated " + a.length);
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
