// @ts-check
// Runs once while the snapshot is built: it walks the request path (an incoming Request, its
// headers, a Response, its parts) so that V8 compiles those functions now and the snapshot keeps
// their bytecode. Otherwise every isolate compiles them again on its first request, which was
// about half of a cold start. Nothing it makes stays reachable; ops are unavailable here, so
// nothing that needs Go (URL parsing, text codecs) is touched.
try {
  const req = rt.internal.newIncomingRequest('GET', 'http://warmup.invalid/', 'host\0warmup.invalid\0accept\0*/*', null);
  void req.method;
  void req.url;
  req.headers.get('accept');
  req.headers.has('x');
  for (const r of [
    new rt.internal.Response('warmup'),
    new rt.internal.Response('warmup', { status: 201, headers: { 'content-type': 'text/plain' } }),
    new rt.internal.Response(new rt.primordials.Uint8Array(1), { headers: [['a', 'b']] }),
  ]) {
    r.headers.get('content-type');
    rt.internal.responseParts(r);
  }
  const h = new rt.internal.Headers({ a: 'b' });
  h.append('c', 'd');
  h.set('a', 'e');
} catch {
  // A warm-up that fails costs only speed.
}
