// The hello example: `make demo` serves it on http://127.0.0.1:8787/.
import { greet } from "./greet.js";

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "world";
    console.log(`hello requested for ${name}`);
    return new Response(greet(name, env.GREETING), {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};
