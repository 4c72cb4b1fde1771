// As many outbound fetches as the subrequest limit allows, all at once, on every request.
export default {
  async fetch(req, env) {
    const all = [];
    for (let i = 0; i < 50; i++) all.push(fetch(env.PUBLIC + "/hello").then((r) => r.text()));
    await Promise.all(all);
    return new Response("fetched " + all.length);
  },
};
