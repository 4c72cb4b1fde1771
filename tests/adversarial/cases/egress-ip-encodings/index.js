// Loopback spelled as a decimal, hexadecimal and short-form address: the URL parser
// normalizes them and the dial is checked on the address.
export default {
  async fetch(req, env) {
    const out = [];
    for (const host of ["2130706433", "0x7f.1", "127.1", "0177.0.0.1"]) {
      try {
        await fetch(`http://${host}:${env.PRIVATE_PORT}/`);
        out.push("reached " + host);
      } catch (e) {
        out.push(e.message.includes("egress to 127.0.0.1 is not allowed") ? "refused" : e.message);
      }
    }
    return new Response(out.join(" "));
  },
};
