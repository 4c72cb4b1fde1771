// Package all lists the runtime extensions in the order their JavaScript is evaluated into the
// snapshot: an extension may use what the ones before it put on rt.internal.
package all

import (
	"islet/internal/ext"
	"islet/internal/ext/blob"
	"islet/internal/ext/cache"
	"islet/internal/ext/clone"
	"islet/internal/ext/compression"
	"islet/internal/ext/console"
	"islet/internal/ext/core"
	"islet/internal/ext/crypto"
	"islet/internal/ext/encoding"
	"islet/internal/ext/event"
	"islet/internal/ext/fetch"
	"islet/internal/ext/fetchevent"
	"islet/internal/ext/htmlrewriter"
	"islet/internal/ext/streams"
	"islet/internal/ext/timers"
	"islet/internal/ext/url"
	"islet/internal/ext/urlpattern"
	"islet/internal/ext/webidl"
)

// Exts are all runtime extensions, in load order.
var Exts = []ext.Ext{
	core.Ext,
	webidl.Ext,
	event.Ext,
	url.Ext,
	urlpattern.Ext,
	encoding.Ext,
	streams.Ext,
	compression.Ext,
	blob.Ext,
	clone.Ext,
	fetch.Ext,
	cache.Ext,
	htmlrewriter.Ext,
	console.Ext,
	timers.Ext,
	fetchevent.Ext,
	crypto.Ext,
}
