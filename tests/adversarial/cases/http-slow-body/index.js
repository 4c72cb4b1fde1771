// An ordinary worker; the attack is the client's (see cases_test.go).
export default {
  async fetch(req) {
    try {
      const body = await req.arrayBuffer();
      return new Response(`read ${body.byteLength} bytes`);
    } catch (e) {
      return new Response(e.name + ": " + e.message);
    }
  },
};
