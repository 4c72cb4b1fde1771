// Zero-delay intervals that each burn a few milliseconds: no single turn is long, but the
// request's CPU time adds up across them.
export default {
  fetch() {
    return new Promise(() => {
      setInterval(() => {
        let x = 0;
        for (let i = 0; i < 3e6; i++) x += i;
        globalThis.sink = x;
      }, 0);
    });
  },
};
