// Array built-ins that loop over a sparse array's whole length without checking for
// termination (minutes on a length of 2^32-1, past any CPU limit): each must be refused at once.
const methods = {
  sort: (a) => a.sort(),
  toSorted: (a) => a.toSorted(),
  join: (a) => a.join(),
  toString: (a) => String(a),
  reverse: (a) => a.reverse(),
  toReversed: (a) => a.toReversed(),
  fill: (a) => a.fill(0),
  copyWithin: (a) => a.copyWithin(0, 1),
  flat: (a) => a.flat(),
  with: (a) => a.with(3, 1),
  lastIndexOf: (a) => a.lastIndexOf(7),
  splice: (a) => a.splice(1, 1),
  slice: (a) => a.slice(),
};
export default {
  fetch() {
    const out = [];
    for (const [name, call] of Object.entries(methods)) {
      const a = [];
      a.length = 2 ** 32 - 1;
      a[5] = 1;
      try {
        call(a);
        out.push(name + ": returned");
      } catch (e) {
        out.push(name + ": " + e.name);
      }
    }
    return new Response(out.join("\n"));
  },
};
