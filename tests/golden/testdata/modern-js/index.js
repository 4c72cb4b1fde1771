// Each ECMAScript built-in a V8 13.6 worker has and V8 10.2 lacked, used once; every line of
// the answer is "name: result".
function check(name, fn) {
  try {
    return `${name}: ${fn()}`;
  } catch (e) {
    return `${name}: threw ${e}`;
  }
}

export default {
  async fetch() {
    const people = [{ n: "a", age: 30 }, { n: "b", age: 20 }, { n: "c", age: 30 }];
    const lines = [
      check("Object.groupBy", () => JSON.stringify(Object.groupBy(people, (p) => p.age))),
      check("Map.groupBy", () => [...Map.groupBy(people, (p) => p.age > 25)].map(([k, v]) => `${k}=${v.length}`).join()),
      check("toSorted", () => { const a = [3, 1, 2]; return `${a.toSorted()} ${a}`; }),
      check("toReversed", () => [1, 2, 3].toReversed().join()),
      check("toSpliced", () => [1, 2, 3, 4].toSpliced(1, 2, "x").join()),
      check("with", () => [1, 2, 3].with(-1, 9).join()),
      check("Set methods", () => {
        const a = new Set([1, 2, 3]), b = new Set([2, 3, 4]);
        return [a.union(b), a.intersection(b), a.difference(b), a.symmetricDifference(b)]
          .map((s) => [...s].join("")).join(" ") + ` ${a.isSubsetOf(new Set([1, 2, 3, 4]))} ${a.isSupersetOf(new Set([1]))} ${a.isDisjointFrom(new Set([9]))}`;
      }),
      check("iterator helpers", () => [1, 2, 3, 4, 5].values().filter((x) => x % 2).map((x) => x * 10).take(2).toArray().join()),
      check("Iterator.from", () => Iterator.from({ next() { return { done: true }; } }).toArray().length),
      check("isWellFormed", () => `${"ab".isWellFormed()} ${"a\uD800".isWellFormed()} ${JSON.stringify("a\uD800".toWellFormed())}`),
      check("RegExp v flag", () => `${/[\p{L}--[a-z]]/v.test("a")} ${/[\p{L}--[a-z]]/v.test("A")} ${/x/v.unicodeSets}`),
      check("resizable ArrayBuffer", () => { const b = new ArrayBuffer(2, { maxByteLength: 8 }); b.resize(6); return `${b.resizable} ${b.byteLength} ${b.maxByteLength}`; }),
      check("ArrayBuffer transfer", () => { const a = new ArrayBuffer(4); const b = a.transfer(8); return `${a.detached} ${b.byteLength}`; }),
      check("Float16Array", () => { const f = new Float16Array([1.5, 65520]); return `${f[0]} ${f[1]} ${Math.f16round(1.337)}`; }),
      check("Symbol.dispose", () => { const log = []; { using r = { [Symbol.dispose]() { log.push("disposed"); } }; log.push("used"); } return log.join(); }),
      check("DisposableStack", () => { const s = new DisposableStack(); let n = 0; s.defer(() => n++); s.dispose(); return `${n} ${s.disposed}`; }),
      check("Uint8Array base64", () => `${new Uint8Array([104, 105]).toBase64()} ${Uint8Array.fromBase64("aGk=").join()} ${new Uint8Array([255]).toHex()}`),
      check("JSON.rawJSON", () => `${JSON.stringify({ big: JSON.rawJSON("12345678901234567890") })} ${JSON.isRawJSON(JSON.rawJSON("1"))}`),
      check("Array.prototype.findLast", () => [1, 2, 3].findLast((x) => x < 3)),
      check("Error.isError", () => typeof Error.isError === "function" ? Error.isError(new TypeError()) : "absent"),
      check("RegExp.escape", () => typeof RegExp.escape === "function" ? RegExp.escape("a.b") : "absent"),
      check("SharedArrayBuffer", () => typeof SharedArrayBuffer),
    ];
    const { promise, resolve } = Promise.withResolvers();
    setTimeout(() => resolve("resolved"), 0);
    lines.push(`Promise.withResolvers: ${await promise}`);
    lines.push(`Promise.try: ${await Promise.try((x) => x * 2, 21)}`);
    lines.push(`Array.fromAsync: ${(await Array.fromAsync((async function* () { yield 1; yield 2; })())).join()}`);
    return new Response(lines.join("\n") + "\n");
  },
};
