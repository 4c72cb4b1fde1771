// Overwrites built-ins the runtime's own JavaScript could call, then uses runtime code paths:
// headers, bodies, streams, JSON responses, outbound fetch, URL, TextEncoder, timers. (The
// worker passes no arrays to Web APIs: converting an array to a WebIDL sequence calls its
// Symbol.iterator by specification, which is the worker's own business.)
const boom = (what) => function () { throw new Error(what + " was called by the runtime"); };
Array.prototype.push = boom("Array.prototype.push");
Array.prototype.map = boom("Array.prototype.map");
Array.prototype.join = boom("Array.prototype.join");
Array.prototype[Symbol.iterator] = boom("Array.prototype[Symbol.iterator]");
Promise.prototype.then = boom("Promise.prototype.then");
Promise.prototype.catch = boom("Promise.prototype.catch");
Promise.resolve = boom("Promise.resolve");
JSON.parse = boom("JSON.parse");
JSON.stringify = boom("JSON.stringify");
Object.defineProperty = boom("Object.defineProperty");
Object.keys = boom("Object.keys");
Object.assign = boom("Object.assign");
Function.prototype.call = boom("Function.prototype.call");
Function.prototype.apply = boom("Function.prototype.apply");
Function.prototype.bind = boom("Function.prototype.bind");
Reflect.apply = boom("Reflect.apply");
Map.prototype.get = boom("Map.prototype.get");
Map.prototype.set = boom("Map.prototype.set");
Set.prototype.add = boom("Set.prototype.add");
String.prototype.toLowerCase = boom("String.prototype.toLowerCase");
String.prototype.split = boom("String.prototype.split");
Uint8Array.prototype.set = boom("Uint8Array.prototype.set");
Symbol.iterator; // (the symbol itself cannot be replaced)

export default {
  async fetch(req, env) {
    const sent = await req.text();
    const headers = new Headers({ "X-A": "1" });
    headers.append("X-B", "2");
    const echoed = await (await fetch(env.PUBLIC + "/echo", { method: "POST", body: sent, headers })).text();
    const streamed = await new Response(new Response("blob parts").body).text();
    const url = new URL("/p?q=1", "https://example.com").href;
    const bytes = new TextEncoder().encode("é").length;
    await new Promise((resolve) => setTimeout(resolve, 1));
    return Response.json({ echoed, streamed, url, bytes, a: headers.get("x-a"), b: headers.get("x-b") });
  },
};
