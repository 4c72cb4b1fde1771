// @ts-check
// `navigator` (HTML's WorkerNavigator), as Workers has it: a user agent naming the platform,
// one CPU, and the fixed legacy NavigatorID values.
const { ObjectDefineProperty, SymbolToStringTag, TypeError } = rt.primordials;

const key = Symbol('Navigator');

class Navigator {
  /** @param {symbol} k */
  constructor(k) {
    if (k !== key) throw new TypeError('Illegal constructor');
  }

  get userAgent() {
    return 'islet';
  }

  get hardwareConcurrency() {
    return 1;
  }

  // NavigatorID's fixed legacy values (HTML), which scripts still test.
  get appCodeName() {
    return 'Mozilla';
  }

  get appName() {
    return 'Netscape';
  }

  get appVersion() {
    return '5.0';
  }

  get platform() {
    return '';
  }

  get product() {
    return 'Gecko';
  }

  get language() {
    return 'en-US';
  }

  get languages() {
    return ['en-US'];
  }

  get onLine() {
    return true;
  }
}
ObjectDefineProperty(Navigator.prototype, SymbolToStringTag, { value: 'Navigator', configurable: true });

rt.expose('Navigator', Navigator);
rt.expose('navigator', new Navigator(key));
