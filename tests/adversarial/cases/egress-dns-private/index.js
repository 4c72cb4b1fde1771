// A name that resolves to loopback (DNS rebinding style): the resolved address is checked.
export default {
  async fetch(req, env) {
    try {
      const r = await fetch(`http://db.internal.test:${env.PRIVATE_PORT}/secret`);
      return new Response("reached: " + (await r.text()));
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
