// More subrequests than a request may make.
export default {
  async fetch(req, env) {
    let n = 0;
    try {
      for (;;) {
        await (await fetch(env.PUBLIC + "/hello")).text();
        n++;
      }
    } catch (e) {
      return new Response(`${n} subrequests, then ${e.name}: ${e.message}`);
    }
  },
};
