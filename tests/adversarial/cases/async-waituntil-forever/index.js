// waitUntil work that never ends: an interval and a fetch to an origin that never answers.
export default {
  fetch(req, env, ctx) {
    ctx.waitUntil(new Promise(() => setInterval(() => {}, 10)));
    ctx.waitUntil(fetch(env.PUBLIC + "/hang"));
    return new Response("responded");
  },
};
