package timers_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

func TestTimersJS(t *testing.T) {
	if got, err := exttest.Eval(t, "typeof setTimeout"); err != nil || got != "function" {
		t.Skip("timers are not in the snapshot")
	}
	exttest.Run(t, []exttest.Case{
		{Script: `new Promise((r) => setTimeout((a, b) => r(a + b), 1, 'x', 'y'))`, Want: "xy"},
		{Script: `(async () => { const out = []; const id = setTimeout(() => out.push('no'), 1); clearTimeout(id);
			await new Promise((r) => setTimeout(r, 10)); return out.length; })()`, Want: "0"},
		{Script: `(async () => { let n = 0; await new Promise((r) => { const id = setInterval(() => { if (++n === 3) { clearInterval(id); r(); } }, 1); });
			await new Promise((r) => setTimeout(r, 10)); return n; })()`, Want: "3"},
		{Script: `(async () => { const out = []; setTimeout(() => out.push(2), 2); setTimeout(() => out.push(1), 1);
			await new Promise((r) => setTimeout(r, 20)); return out.join(); })()`, Want: "1,2"},
		{Script: `(async () => { const out = []; queueMicrotask(() => out.push('micro')); out.push('sync'); await null; await null; return out.join(); })()`, Want: "sync,micro"},
		{Script: `const a = setTimeout(() => {}), b = setInterval(() => {}); clearInterval(b); clearTimeout(a); [a > 0, b > a, Number.isInteger(a)].join()`, Want: "true,true,true"},
		{Script: `clearTimeout(); clearTimeout(12345); clearInterval('x'); 'ok'`, Want: "ok"},
		{Script: `setTimeout('1 + 1')`, WantErr: "TypeError"},
		{Script: `queueMicrotask(1)`, WantErr: "TypeError"},
		{Script: `queueMicrotask()`, WantErr: "TypeError"},
		{Script: `(async () => { setTimeout(() => { throw new Error('x'); }, 0); return new Promise((r) => setTimeout(() => r('still running'), 5)); })()`, Want: "still running"},
		{Script: `new Promise((r) => setTimeout(() => r('nan'), NaN))`, Want: "nan"},
		{Script: `new Promise((r) => setTimeout(() => r('neg'), -5))`, Want: "neg"},
		{Script: `new Promise((r) => setTimeout(() => r('huge'), 2 ** 40))`, Want: "huge"},
		{Script: `(async () => { const s = AbortSignal.timeout(1); await new Promise((r) => s.onabort = r); return s.reason.name; })()`, Want: "TimeoutError"},
		// Timers with the same delay run in the order they were set, whatever order the host's
		// clock reports them in.
		{Script: `(async () => { const out = []; for (let i = 0; i < 20; i++) setTimeout(() => out.push(i), 3);
			await new Promise((r) => setTimeout(r, 30)); return out.join(); })()`, Want: "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19"},
	})
}
