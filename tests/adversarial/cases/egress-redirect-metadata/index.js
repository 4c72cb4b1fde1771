// A public origin redirects to the cloud metadata address.
export default {
  async fetch(req, env) {
    try {
      const r = await fetch(env.PUBLIC + "/redirect?to=" + encodeURIComponent("http://169.254.169.254/latest/meta-data/"));
      return new Response("reached: " + r.status);
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
