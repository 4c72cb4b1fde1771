// A public origin redirects into the private one: the redirect hop is checked too.
export default {
  async fetch(req, env) {
    try {
      const r = await fetch(env.PUBLIC + "/redirect?to=" + encodeURIComponent(env.PRIVATE + "/secret"));
      return new Response("reached: " + (await r.text()));
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
