addEventListener("fetch", (event) => {
  event.respondWith(handle(event.request));
});

async function handle(request) {
  return new Response(`sw ${request.method} ${new URL(request.url).pathname} ${GREETING}`, { status: 201 });
}
