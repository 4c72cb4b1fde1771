export default {
  fetch() {
    const enc = new TextEncoder();
    let i = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (i < 3) controller.enqueue(enc.encode(`chunk ${i++}\n`));
        else controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/plain" } });
  },
};
