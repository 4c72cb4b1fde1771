package event_test

import (
	"testing"

	"islet/internal/ext/exttest"
)

func TestEvent(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `const e = new Event('x'); [e.type, e.bubbles, e.cancelable, e.composed, e.eventPhase, e.isTrusted, e.defaultPrevented, e.target].join()`,
			Want: "x,false,false,false,0,false,false,"},
		{Script: `const e = new Event('x', { cancelable: true }); e.preventDefault(); [e.defaultPrevented, e.returnValue].join()`, Want: "true,false"},
		{Script: `const e = new Event('x'); e.preventDefault(); e.defaultPrevented`, Want: "false"},
		{Script: `Object.getOwnPropertyDescriptor(new Event('a'), 'isTrusted').get === Object.getOwnPropertyDescriptor(new Event('b'), 'isTrusted').get`, Want: "true"},
		{Script: `[Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE, new Event('a').AT_TARGET].join()`, Want: "0,1,2,3,2"},
		{Script: `Object.prototype.toString.call(new Event('a'))`, Want: "[object Event]"},
		{Script: `new Event()`, WantErr: "TypeError: Failed to construct 'Event': 1 argument required"},
		{Script: `Event('x')`, WantErr: "TypeError"},
		{Script: `new Event('x', 1)`, WantErr: "TypeError"},
		{Script: `Object.getOwnPropertyDescriptor(Event.prototype, 'type').get.call({})`, WantErr: "TypeError: Illegal invocation"},
		{Script: `const e = new CustomEvent('c', { detail: { a: 1 } }); [e.detail.a, e instanceof Event, e.type].join()`, Want: "1,true,c"},
		{Script: `new CustomEvent('c').detail`, Want: "null"},
		{Script: `const e = new ErrorEvent('error', { message: 'm', error: 42, lineno: 3 }); [e.message, e.error, e.lineno, e.colno, e.filename].join()`, Want: "m,42,3,0,"},
	})
}

func TestEventTarget(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `const t = new EventTarget(); const out = [];
			const h = (e) => out.push(e.type + e.eventPhase + (e.target === t) + (e.currentTarget === t) + (this === undefined));
			t.addEventListener('x', h); t.addEventListener('x', h);
			t.dispatchEvent(new Event('x')); out.join()`, Want: "x2truetruefalse"},
		{Script: `const t = new EventTarget(); const out = [];
			t.addEventListener('x', () => out.push('bubble'));
			t.addEventListener('x', () => out.push('capture'), { capture: true });
			t.addEventListener('x', { handleEvent(e) { out.push('object'); } }, { once: true });
			t.dispatchEvent(new Event('x')); t.dispatchEvent(new Event('x')); out.join()`, Want: "capture,bubble,object,capture,bubble"},
		{Script: `const t = new EventTarget(); const out = []; const h = () => out.push(1);
			t.addEventListener('x', h); t.removeEventListener('x', h); t.dispatchEvent(new Event('x')); out.length`, Want: "0"},
		{Script: `const t = new EventTarget(); const out = []; const h = () => out.push(1);
			t.addEventListener('x', h, true); t.removeEventListener('x', h); t.dispatchEvent(new Event('x')); out.length`, Want: "1"},
		{Script: `const t = new EventTarget(); const out = [];
			t.addEventListener('x', (e) => { out.push(1); e.stopImmediatePropagation(); });
			t.addEventListener('x', () => out.push(2));
			t.dispatchEvent(new Event('x')); out.join()`, Want: "1"},
		{Script: `const t = new EventTarget();
			t.addEventListener('x', (e) => e.preventDefault());
			[t.dispatchEvent(new Event('x', { cancelable: true })), t.dispatchEvent(new Event('x'))].join()`, Want: "false,true"},
		{Script: `const t = new EventTarget(); let r;
			t.addEventListener('x', (e) => { e.preventDefault(); r = e.defaultPrevented; }, { passive: true });
			t.dispatchEvent(new Event('x', { cancelable: true })); r`, Want: "false"},
		{Script: `const t = new EventTarget(); const ac = new AbortController(); let n = 0;
			t.addEventListener('x', () => n++, { signal: ac.signal });
			t.dispatchEvent(new Event('x')); ac.abort(); t.dispatchEvent(new Event('x')); n`, Want: "1"},
		{Script: `const t = new EventTarget(); let n = 0;
			t.addEventListener('x', () => n++, { signal: AbortSignal.abort() }); t.dispatchEvent(new Event('x')); n`, Want: "0"},
		{Script: `const t = new EventTarget(); let second = false;
			t.addEventListener('x', () => { throw new Error('listener error'); });
			t.addEventListener('x', () => { second = true; });
			t.dispatchEvent(new Event('x')); second`, Want: "true"},
		{Script: `const t = new EventTarget(); const e = new Event('x');
			t.addEventListener('x', () => t.dispatchEvent(e)); t.dispatchEvent(e)`, Want: "true"},
		{Script: `new EventTarget().dispatchEvent({ type: 'x' })`, WantErr: "TypeError"},
		{Script: `new EventTarget().addEventListener('x')`, WantErr: "TypeError"},
		{Script: `new EventTarget().addEventListener('x', 5)`, WantErr: "TypeError"},
		{Script: `new EventTarget().addEventListener('x', () => {}, { signal: {} })`, WantErr: "TypeError"},
		{Script: `EventTarget.prototype.addEventListener.call({}, 'x', null)`, WantErr: "TypeError: Illegal invocation"},
		{Script: `new EventTarget().addEventListener('x', null); 'ok'`, Want: "ok"},
		{Script: `typeof reportError`, Want: "function"},
	})
}

func TestAbort(t *testing.T) {
	exttest.Run(t, []exttest.Case{
		{Script: `const ac = new AbortController(); const s = ac.signal; const out = [];
			s.onabort = (e) => out.push(e.type + e.isTrusted); s.addEventListener('abort', () => out.push('listener'));
			ac.abort(); ac.abort(); out.push(s.aborted, s.reason.name, s.reason.code, s.reason instanceof DOMException); out.join()`,
			Want: "aborttrue,listener,true,AbortError,20,true"},
		{Script: `const ac = new AbortController(); ac.abort('why'); ac.signal.reason`, Want: "why"},
		{Script: `const ac = new AbortController(); ac.abort(0); try { ac.signal.throwIfAborted(); 'no' } catch (e) { e }`, Want: "0"},
		{Script: `new AbortController().signal.throwIfAborted(); 'fine'`, Want: "fine"},
		{Script: `AbortSignal.abort().reason.name`, Want: "AbortError"},
		{Script: `AbortSignal.abort(5).reason`, Want: "5"},
		{Script: `new AbortSignal()`, WantErr: "TypeError: Illegal constructor"},
		{Script: `const a = new AbortController(), b = new AbortController();
			const any = AbortSignal.any([a.signal, b.signal]); const any2 = AbortSignal.any([any]); let fired = 0;
			any2.onabort = () => fired++; b.abort('r'); [any.aborted, any.reason, any2.aborted, any2.reason, fired].join()`, Want: "true,r,true,r,1"},
		{Script: `AbortSignal.any([AbortSignal.abort('x')]).reason`, Want: "x"},
		{Script: `AbortSignal.any([{}])`, WantErr: "TypeError"},
		{Script: `AbortSignal.any()`, WantErr: "TypeError"},
		{Script: `AbortSignal.timeout(-1)`, WantErr: "TypeError"},
		{Script: `Object.prototype.toString.call(new AbortController().signal)`, Want: "[object AbortSignal]"},
		{Script: `new AbortController().signal instanceof EventTarget`, Want: "true"},
		{Script: `AbortController.prototype.abort.call({})`, WantErr: "TypeError: Illegal invocation"},
	})
}
