// The well-behaved tenant: answers every request with its path, and keeps a secret in its
// global scope that no other worker may read.
globalThis.VICTIM_SECRET = "the victim's secret";
let loopRequests = 0;
export default {
  fetch(req) {
    const path = new URL(req.url).pathname;
    if (req.headers.has("x-islet-loop")) loopRequests++; // a request that came from a worker's fetch
    if (path === "/loop-requests") return new Response("requests from workers: " + loopRequests);
    return new Response("victim ok " + path);
  },
};
