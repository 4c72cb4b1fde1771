export default {
  async fetch(request) {
    const body = await request.text();
    const url = new URL(request.url);
    return new Response(
      [request.method, url.pathname, url.searchParams.get("q"), request.headers.get("x-test"), body].join("|"),
      { headers: { "x-echo": "yes" } },
    );
  },
};
