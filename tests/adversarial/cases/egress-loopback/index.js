// Reaches for a service on the node's machine by its loopback address.
export default {
  async fetch(req, env) {
    try {
      const r = await fetch(env.PRIVATE + "/secret");
      return new Response("reached: " + (await r.text()));
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
