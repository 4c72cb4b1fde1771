// @ts-check
// ECMAScript 2024 members that V8 10.2 lacks and Web APIs lean on: ArrayBuffer.prototype
// transfer(), transferToFixedLength() and detached
// (https://tc39.es/ecma262/#sec-arraybuffer.prototype.transfer). Moving the memory needs the
// binding's rt.internal.transferArrayBuffer (V8 has no way for JavaScript to detach a buffer
// otherwise); without it nothing is defined. Each is added only if V8 does not have it.

// This file runs before 00_primordials.js (so the primordials include what it adds) and before
// any user code: the built-ins it uses are the original ones, captured here.
const { ArrayBuffer, RangeError, TypeError, Uint8Array } = globalThis;
const uncurryThis = Function.prototype.bind.bind(Function.prototype.call);
const ArrayBufferPrototype = ArrayBuffer.prototype;
const ArrayBufferPrototypeGetByteLength = uncurryThis(
  /** @type {PropertyDescriptor} */ (Object.getOwnPropertyDescriptor(ArrayBufferPrototype, 'byteLength')).get);
const ArrayBufferPrototypeSlice = uncurryThis(ArrayBufferPrototype.slice);
const TypedArrayPrototypeSet = uncurryThis(Object.getPrototypeOf(Uint8Array.prototype).set);
const { min: MathMin, trunc: MathTrunc } = Math;
const NumberIsNaN = Number.isNaN;
const ObjectDefineProperty = Object.defineProperty;
const ObjectGetOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;

const transferBuffer = rt.internal.transferArrayBuffer;
const maxByteLengthGetter = ObjectGetOwnPropertyDescriptor(ArrayBufferPrototype, 'maxByteLength')?.get;
const resizableGetter = ObjectGetOwnPropertyDescriptor(ArrayBufferPrototype, 'resizable')?.get;
/** @type {((b: ArrayBuffer) => number) | undefined} */
const getMaxByteLength = maxByteLengthGetter === undefined ? undefined : uncurryThis(maxByteLengthGetter);
/** @type {((b: ArrayBuffer) => boolean) | undefined} */
const getResizable = resizableGetter === undefined ? undefined : uncurryThis(resizableGetter);

/**
 * Whether a value is an ArrayBuffer (not a SharedArrayBuffer), by its byteLength getter.
 * @param {any} v
 */
function isArrayBuffer(v) {
  try {
    ArrayBufferPrototypeGetByteLength(v);
    return true;
  } catch {
    return false;
  }
}

/**
 * IsDetachedBuffer: a detached buffer cannot even be sliced.
 * @param {ArrayBuffer} buffer
 */
function isDetached(buffer) {
  try {
    ArrayBufferPrototypeSlice(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * ToIndex.
 * @param {any} value
 */
function toIndex(value) {
  const n = +value;
  const integer = NumberIsNaN(n) ? 0 : MathTrunc(n);
  if (integer < 0 || integer > 9007199254740991) throw new RangeError('Invalid array buffer length');
  return integer === 0 ? 0 : integer;
}

/**
 * ArrayBufferCopyAndDetach.
 * @param {any} buffer
 * @param {any} newLength
 * @param {boolean} preserveResizability
 * @param {string} name
 */
function copyAndDetach(buffer, newLength, preserveResizability, name) {
  if (!isArrayBuffer(buffer)) {
    throw new TypeError(`Method ArrayBuffer.prototype.${name} called on incompatible receiver`);
  }
  const byteLength = ArrayBufferPrototypeGetByteLength(buffer);
  const newByteLength = newLength === undefined ? byteLength : toIndex(newLength);
  if (isDetached(buffer)) throw new TypeError(`Cannot perform ArrayBuffer.prototype.${name} on a detached ArrayBuffer`);
  const resizable = getResizable !== undefined && getResizable(buffer) === true;
  if (!resizable || !preserveResizability) {
    if (newByteLength === byteLength && !resizable) return transferBuffer(buffer);
    const out = new ArrayBuffer(newByteLength);
    TypedArrayPrototypeSet(new Uint8Array(out), new Uint8Array(buffer, 0, MathMin(newByteLength, byteLength)), 0);
    transferBuffer(buffer);
    return out;
  }
  const max = /** @type {(b: ArrayBuffer) => number} */ (getMaxByteLength)(buffer);
  // @ts-ignore: the options argument of resizable buffers
  const out = new ArrayBuffer(newByteLength, { maxByteLength: max });
  TypedArrayPrototypeSet(new Uint8Array(out), new Uint8Array(buffer, 0, MathMin(newByteLength, byteLength)), 0);
  transferBuffer(buffer);
  return out;
}

if (typeof transferBuffer === 'function') {
  const methods = {
    /** @param {any} [newLength] */
    transfer(newLength = undefined) {
      return copyAndDetach(this, newLength, true, 'transfer');
    },
    /** @param {any} [newLength] */
    transferToFixedLength(newLength = undefined) {
      return copyAndDetach(this, newLength, false, 'transferToFixedLength');
    },
  };
  for (const name of /** @type {const} */ (['transfer', 'transferToFixedLength'])) {
    if (ObjectGetOwnPropertyDescriptor(ArrayBufferPrototype, name) === undefined) {
      ObjectDefineProperty(ArrayBufferPrototype, name, {
        value: methods[name], writable: true, enumerable: false, configurable: true,
      });
    }
  }
  if (ObjectGetOwnPropertyDescriptor(ArrayBufferPrototype, 'detached') === undefined) {
    const detached = {
      get detached() {
        if (!isArrayBuffer(this)) {
          throw new TypeError('Method ArrayBuffer.prototype.detached called on incompatible receiver');
        }
        return isDetached(/** @type {any} */ (this));
      },
    };
    ObjectDefineProperty(ArrayBufferPrototype, 'detached', {
      get: /** @type {PropertyDescriptor} */ (ObjectGetOwnPropertyDescriptor(detached, 'detached')).get,
      enumerable: false, configurable: true,
    });
  }
}
