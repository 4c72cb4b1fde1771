// CompressionStream and DecompressionStream: the request body is gzipped and gunzipped again,
// and the sizes reported.
export default {
  async fetch(request) {
    const text = (await request.text()).repeat(100);
    const gz = await new Response(new Response(text).body.pipeThrough(new CompressionStream('gzip'))).bytes();
    const back = await new Response(new Response(gz).body.pipeThrough(new DecompressionStream('gzip'))).text();
    return new Response(`${text.length} ${gz[0]},${gz[1]} ${gz.length < text.length} ${back === text}`);
  },
};
