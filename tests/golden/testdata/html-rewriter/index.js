// HTMLRewriter over a streamed body: links rewritten, an element removed, text and comments
// changed, a banner appended at the end of the document.
const page = [
  '<!DOCTYPE html><html><head><title>Shop</title></head><body>',
  '<nav><a href="/">home</a> <a href="/cart" class="cart">cart</a></nav>',
  '<div class="ad">buy now!</div>',
  '<p>Hello <b>world</b></p><!-- build 42 -->',
  '</body></html>',
];

export default {
  async fetch(request) {
    const enc = new TextEncoder();
    let i = 0;
    const body = new ReadableStream({
      pull(c) {
        if (i < page.length) c.enqueue(enc.encode(page[i++]));
        else c.close();
      },
    });
    const origin = new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8', 'x-origin': 'yes' } });
    return new HTMLRewriter()
      .on('a[href^="/"]', {
        element(el) {
          el.setAttribute('href', 'https://shop.example' + el.getAttribute('href'));
        },
      })
      .on('nav > a.cart', {
        async element(el) {
          await new Promise((r) => setTimeout(r, 1));
          el.append(' (0)');
        },
      })
      .on('div.ad', { element(el) { el.remove(); } })
      .on('p', {
        text(t) {
          if (t.text === 'world') t.replace('<i>islet</i>', { html: true });
        },
      })
      .onDocument({
        comments(c) { c.remove(); },
        end(end) { end.append('<footer>rewritten</footer>', { html: true }); },
      })
      .transform(origin);
  },
};
