export default {
  fetch() {
    const headers = new Headers();
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    const r = Response.json({ ok: true, n: [1, 2] }, { status: 418, headers });
    return r;
  },
};
