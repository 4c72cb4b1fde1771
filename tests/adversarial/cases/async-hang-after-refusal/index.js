// Uses up its subrequests (the last fetch is refused before it starts), then hangs: the
// refused op must not count as pending work, or hang detection is off for the isolate's life.
export default {
  async fetch(req, env) {
    try {
      for (;;) await (await fetch(env.PUBLIC + "/hello")).text();
    } catch {}
    return new Promise(() => {});
  },
};
