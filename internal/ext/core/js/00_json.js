// @ts-check
// JSON.parse with a termination check around it (see TerminationPending in internal/v8): V8
// 10.2 loses a CPU-limit termination that arrives while its parser runs, so the runtime asks
// before and after each parse whether one was requested, and has it requested again. Errors
// (SyntaxError, a reviver's throw) are the native parser's own.
//
// This file runs before 00_primordials.js, so the runtime's own JSONParse is this one too.

const nativeParse = JSON.parse;
const terminationPending = rt.internal.terminationPending;
const ReflectApply = Reflect.apply;

const methods = {
  /**
   * @param {string} text
   * @param {(this: any, key: string, value: any) => any} [reviver]
   */
  // eslint-disable-next-line no-unused-vars
  parse(text, reviver) {
    if (terminationPending()) {
      return undefined; // the JavaScript stops at its next interrupt check
    }
    const result = ReflectApply(nativeParse, JSON, arguments);
    terminationPending();
    return result;
  },
};
Object.defineProperty(JSON, 'parse', { value: methods.parse, writable: true, enumerable: false, configurable: true });
