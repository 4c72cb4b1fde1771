package exttest

import "testing"

func TestEval(t *testing.T) {
	Run(t, []Case{
		{Script: "1 + 1", Want: "2"},
		{Script: "'a' + 'b'", Want: "ab"},
		{Script: "(async () => { await null; return 'later'; })()", Want: "later"},
		{Script: "Promise.reject(new TypeError('no'))", WantErr: "TypeError: no"},
		{Script: "throw new RangeError('bad')", WantErr: "RangeError: bad"},
	})
}

func TestNavigator(t *testing.T) {
	Run(t, []Case{
		{Script: "navigator.userAgent + ' ' + navigator.hardwareConcurrency + ' ' + String(navigator)", Want: "islet 1 [object Navigator]"},
		{Script: "new Navigator()", WantErr: "TypeError: Illegal constructor"},
	})
}
