// The private origin by IPv6 loopback, and IPv4-mapped IPv6.
export default {
  async fetch(req, env) {
    const out = [];
    for (const url of [`http://[::1]:${env.PRIVATE_PORT}/`, `http://[::ffff:127.0.0.1]:${env.PRIVATE_PORT}/`]) {
      try {
        await fetch(url);
        out.push("reached " + url);
      } catch (e) {
        out.push(e.name + ": " + e.message);
      }
    }
    return new Response(out.join("\n"));
  },
};
