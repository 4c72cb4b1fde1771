// Fetches itself, which would fetch itself again, and so on.
export default {
  async fetch(req) {
    try {
      const r = await fetch(req.url);
      return new Response("reached: " + r.status);
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
