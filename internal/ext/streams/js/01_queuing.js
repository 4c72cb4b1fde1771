// @ts-check
// ByteLengthQueuingStrategy and CountQueuingStrategy
// (https://streams.spec.whatwg.org/#qs-api).

const { webidl, converters } = rt.internal.streamsShared;

const QueuingStrategyInit = webidl.createDictionaryConverter('QueuingStrategyInit', [
  { key: 'highWaterMark', converter: converters['unrestricted double'], required: true },
]);

/**
 * The byte length queuing strategy size function: one function for the realm, not a
 * constructor, named "size", length 1.
 */
const byteLengthSizeFunction = {
  /** @param {any} chunk */
  size(chunk) {
    return chunk.byteLength;
  },
}.size;

/** The count queuing strategy size function: named "size", length 0. */
const countSizeFunction = {
  size() {
    return 1;
  },
}.size;

/** @type {(v: any) => boolean} */
let isByteLengthQueuingStrategy;

class ByteLengthQueuingStrategy {
  /** @type {number} */
  #highWaterMark;

  /** @param {{ highWaterMark: number }} init */
  constructor(init) {
    const prefix = webidl.constructorPrefix('ByteLengthQueuingStrategy');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const dict = QueuingStrategyInit(init, prefix, 'Argument 1');
    this.#highWaterMark = dict.highWaterMark;
  }

  get highWaterMark() {
    if (!isByteLengthQueuingStrategy(this)) webidl.illegalInvocation();
    return this.#highWaterMark;
  }

  get size() {
    if (!isByteLengthQueuingStrategy(this)) webidl.illegalInvocation();
    return byteLengthSizeFunction;
  }

  static {
    isByteLengthQueuingStrategy = (v) => webidl.isObject(v) && #highWaterMark in v;
  }
}
webidl.configureInterface(ByteLengthQueuingStrategy, 'ByteLengthQueuingStrategy');

/** @type {(v: any) => boolean} */
let isCountQueuingStrategy;

class CountQueuingStrategy {
  /** @type {number} */
  #highWaterMark;

  /** @param {{ highWaterMark: number }} init */
  constructor(init) {
    const prefix = webidl.constructorPrefix('CountQueuingStrategy');
    webidl.requiredArguments(arguments.length, 1, prefix);
    const dict = QueuingStrategyInit(init, prefix, 'Argument 1');
    this.#highWaterMark = dict.highWaterMark;
  }

  get highWaterMark() {
    if (!isCountQueuingStrategy(this)) webidl.illegalInvocation();
    return this.#highWaterMark;
  }

  get size() {
    if (!isCountQueuingStrategy(this)) webidl.illegalInvocation();
    return countSizeFunction;
  }

  static {
    isCountQueuingStrategy = (v) => webidl.isObject(v) && #highWaterMark in v;
  }
}
webidl.configureInterface(CountQueuingStrategy, 'CountQueuingStrategy');

rt.internal.ByteLengthQueuingStrategy = ByteLengthQueuingStrategy;
rt.internal.CountQueuingStrategy = CountQueuingStrategy;
rt.expose('ByteLengthQueuingStrategy', ByteLengthQueuingStrategy);
rt.expose('CountQueuingStrategy', CountQueuingStrategy);
