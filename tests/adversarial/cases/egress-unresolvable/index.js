// fetch("http://example.com/")
export default {
  async fetch() {
    try {
      const r = await fetch("http://example.com/");
      return new Response("reached: " + r.status);
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
