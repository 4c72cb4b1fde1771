// Looks for other tenants' data: the writer's and the victim's globals and prototype
// pollution, and anything shared between isolates.
export default {
  fetch(req, env) {
    const found = {
      writerGlobal: typeof globalThis.WRITER_SECRET,
      victimGlobal: typeof globalThis.VICTIM_SECRET,
      objectPrototype: typeof ({}).leaked,
      arrayPrototype: typeof [].leaked,
      envKeys: Object.keys(env).sort().join(","),
      sharedArrayBuffer: typeof SharedArrayBuffer,
    };
    return Response.json(found);
  },
};
