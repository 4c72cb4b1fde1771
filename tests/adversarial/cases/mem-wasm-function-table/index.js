// Keeps instance after instance of a module of 4,096 functions: each takes a segment of V8's
// process-wide function table, which, once full, aborts the whole process.
import mod from "./m.wasm";
const keep = [];
export default {
  fetch() {
    try {
      for (;;) keep.push(new WebAssembly.Instance(mod));
    } catch (e) {
      return new Response(`${keep.length} instances, then ${e.constructor.name}: ${e.message}`);
    }
  },
};
