package gateway

import "bytes"

// framer follows the HTTP/1.x framing of the requests on one connection, byte by byte as they
// arrive, so that the edge can refuse any request whose framing two parsers could read
// differently (request smuggling) before net/http, which normalises some of it away, sees it.
//
// It accepts only the unambiguous subset of RFC 9112 that net/http reads the same way:
//
//   - a request line "METHOD SP TARGET SP HTTP/1.1" (or HTTP/1.0): exactly two spaces;
//   - every line of the head, of a chunked body's size lines and of its trailer ending in CRLF:
//     no bare LF, no CR that does not end a line;
//   - no header line starting with whitespace (obs-fold), no whitespace in a header name, no
//     header line without a colon;
//   - at most one Content-Length, whose value is *SP 1*DIGIT below 2^63;
//   - at most one Transfer-Encoding, whose value is *SP "chunked" (case-insensitive), only in
//     HTTP/1.1 and never together with Content-Length;
//   - a head of at most maxHeadBytes;
//   - chunk-size lines 1*16HEXDIG [";" extension without control characters] CRLF of at most
//     maxChunkLine bytes, chunk data followed by CRLF, a trailer section of at most
//     maxTrailerBytes.
//
// Like net/http's server it skips up to two CRLFs after a POST request's body, and at the
// start of a connection it lets the HTTP/2 preface through ("PRI * HTTP/2.0", after which the
// connection is not HTTP/1 any more; should the rest of the preface not follow, net/http
// answers the PRI request and closes the connection, so nothing after it is read as HTTP/1).
//
// net/http's server does not reuse a connection whose request body it did not read to a
// clean end (it answers "Connection: close"), so a body the framer accepts but net/http finds
// malformed (a trailer field net/http refuses, say) cannot make the two disagree on where the
// next request starts; FuzzFramer checks that they agree on every request both accept.
//
// The zero framer is ready for a new connection. It allocates nothing.
type framer struct {
	state framerState
	// head is how many bytes of the open request head were scanned (0 when none is open).
	head int
	// requests counts the requests whose head was accepted; done counts the ones that ended
	// (head and body), so done == requests between requests.
	requests, done int

	// The request line.
	spaces  int     // spaces in it so far
	method  [4]byte // its first bytes
	mlen    int     // its method's length
	target0 byte    // the target's first byte
	tlen    int     // the target's length
	version [8]byte
	vlen    int
	http10  bool // the version is HTTP/1.0
	pri     bool // the head is the HTTP/2 preface's "PRI * HTTP/2.0"
	post    bool // the last request's method was POST
	skipped int  // CR and LF bytes skipped before this head (after a POST)

	// The header line.
	nameLen      int
	nameCL       bool // the name so far is a prefix of "content-length"
	nameTE       bool // the name so far is a prefix of "transfer-encoding"
	valueDigits  int  // digits of the Content-Length value so far
	valueMatched int  // bytes of "chunked" matched in the Transfer-Encoding value
	haveCL       bool
	haveTE       bool
	length       uint64 // the Content-Length

	// The body.
	remain  uint64 // bytes left in the Content-Length body or in the current chunk
	digits  int    // hex digits of the chunk size so far
	line    int    // bytes of the chunk-size line so far
	trailer int    // bytes of the trailer section so far
}

type framerState uint8

const (
	stIdle         framerState = iota // between requests
	stIdleLF                          // skipping a CRLF after a POST: the CR was seen
	stRequestLine                     // in the request line
	stRequestLF                       // the request line's CR was seen
	stLineStart                       // at the start of a header line or of the empty line
	stName                            // in a header name
	stValue                           // in the value of a header that does not frame
	stLengthValue                     // in the Content-Length value
	stCodingValue                     // in the Transfer-Encoding value
	stLineLF                          // a header line's CR was seen
	stHeadLF                          // the empty line's CR was seen
	stBody                            // in a Content-Length body
	stChunkSize                       // in a chunk-size
	stChunkExt                        // in a chunk extension
	stChunkSizeLF                     // the chunk-size line's CR was seen
	stChunkData                       // in a chunk's data
	stChunkDataCR                     // after a chunk's data: its CR is due
	stChunkDataLF                     // after a chunk's data: its LF is due
	stTrailerStart                    // at the start of a trailer line or of the last line
	stTrailer                         // in a trailer line
	stTrailerLF                       // a trailer line's CR was seen
	stLastLF                          // the chunked body's last CR was seen
	stPassthrough                     // not HTTP/1 any more (HTTP/2, or hijacked): nothing is checked
	stRefused                         // a request was refused: nothing more is read
)

// Limits of the framing the framer accepts.
const (
	// maxHeadBytes bounds a request head: net/http's own bound (MaxHeaderBytes plus its 4 KiB
	// read buffer), so the edge refuses with 431 exactly the heads net/http would.
	maxHeadBytes = MaxHeaderBytes + 4<<10
	// maxChunkLine bounds a chunk-size line with its extensions (net/http's bound is 4 KiB).
	maxChunkLine = 1 << 10
	// maxTrailerBytes bounds a chunked body's trailer section (net/http's is its 4 KiB buffer).
	maxTrailerBytes = 4 << 10
	// maxLength is the largest Content-Length (net/http's: it must fit an int64).
	maxLength = 1<<63 - 1
)

// scan advances the framer over p, the next bytes of the connection. It returns how many bytes
// it accepted and a refusal: none (then n == len(p)), or why the byte p[n] makes the framing
// ambiguous. After a refusal of a request head (refusal.inHead), f.head is how many bytes of
// the refused head precede p[n], so the head started at p[n-f.head] (or before p, if f.head > n).
// After a refusal every later scan refuses the same way: the connection must not go on.
func (f *framer) scan(p []byte) (n int, r refusal) {
	if f.state == stPassthrough {
		return len(p), refusalNone
	}
	if f.state == stRefused {
		return 0, refusedAgain
	}
	// headStart is where the open head started, relative to p (negative: in an earlier p).
	headStart := -f.head
	i := 0
	for i < len(p) {
		b := p[i]
		switch f.state {
		case stIdle:
			if b == '\r' && f.post && f.skipped < 4 {
				f.skipped++
				f.state = stIdleLF
				i++
				continue
			}
			headStart = i
			f.startHead()
			continue // the byte is the request line's first

		case stIdleLF:
			if b != '\n' {
				return f.refuse(i, headStart, refusedLineEnd)
			}
			f.skipped++
			f.state = stIdle

		case stRequestLine:
			switch {
			case b == '\r':
				f.state = stRequestLF
			case b == '\n':
				return f.refuse(i, headStart, refusedLineEnd)
			case b == ' ':
				f.spaces++
				if f.spaces > 2 {
					return f.refuse(i, headStart, refusedRequestLine)
				}
			case f.spaces == 0:
				if f.mlen < len(f.method) {
					f.method[f.mlen] = b
				}
				f.mlen++
			case f.spaces == 1:
				if f.tlen == 0 {
					f.target0 = b
				}
				// Skip the rest of the target, up to its space (or a line end, handled above).
				k := i + 1
				for k < len(p) && p[k] != ' ' && p[k] != '\r' && p[k] != '\n' {
					k++
				}
				f.tlen += k - i
				i = k
				continue
			default:
				if f.vlen == len(f.version) {
					return f.refuse(i, headStart, refusedVersion)
				}
				f.version[f.vlen] = b
				f.vlen++
			}

		case stRequestLF:
			if b != '\n' {
				return f.refuse(i, headStart, refusedLineEnd)
			}
			if r := f.endRequestLine(); r != refusalNone {
				return f.refuse(i, headStart, r)
			}
			if i-headStart > maxHeadBytes {
				return f.refuse(i, headStart, refusedHeadSize)
			}
			f.state = stLineStart

		case stLineStart:
			switch {
			case b == '\r':
				f.state = stHeadLF
			case b == '\n':
				return f.refuse(i, headStart, refusedLineEnd)
			case f.pri:
				// The HTTP/2 preface has no header lines.
				return f.refuse(i, headStart, refusedVersion)
			case b == ' ' || b == '\t':
				return f.refuse(i, headStart, refusedFold)
			default:
				f.nameLen, f.nameCL, f.nameTE = 0, true, true
				f.state = stName
				continue // the byte is the name's first
			}

		case stName:
			if f.nameLen == 0 {
				// Most names arrive whole: classify one at once when its colon is in p.
				k := i
				for k < len(p) && !nameEnds[p[k]] {
					k++
				}
				if k < len(p) && p[k] == ':' {
					name := p[i:k]
					f.nameLen = len(name)
					f.nameCL = len(name) == len(nameCL) && lowerIs(name, nameCL)
					f.nameTE = len(name) == len(nameTE) && lowerIs(name, nameTE)
					i = k
					b = ':'
				}
			}
			switch {
			case b == ':':
				if r := f.endName(); r != refusalNone {
					return f.refuse(i, headStart, r)
				}
			case b == ' ' || b == '\t' || b == '\r' || b == '\n':
				return f.refuse(i, headStart, refusedName)
			default:
				// b|0x20 lower-cases letters; of the other bytes only CR (excluded above) and
				// '-' itself become '-', and none becomes a letter.
				l := b | 0x20
				if f.nameCL && (f.nameLen >= len(nameCL) || nameCL[f.nameLen] != l) {
					f.nameCL = false
				}
				if f.nameTE && (f.nameLen >= len(nameTE) || nameTE[f.nameLen] != l) {
					f.nameTE = false
				}
				f.nameLen++
			}

		case stValue:
			// The value of a header that does not frame the request: skip to its CR.
			k, bad := lineEnd(p[i:])
			if bad {
				return f.refuse(i+k, headStart, refusedLineEnd)
			}
			if i += k; i == len(p) {
				continue
			}
			f.state = stLineLF

		case stLengthValue:
			switch {
			case b >= '0' && b <= '9':
				d := uint64(b - '0')
				if f.length > (maxLength-d)/10 {
					return f.refuse(i, headStart, refusedLength)
				}
				f.length = f.length*10 + d
				f.valueDigits++
			case b == ' ' && f.valueDigits == 0:
			case b == '\r' && f.valueDigits > 0:
				f.state = stLineLF
			default:
				return f.refuse(i, headStart, refusedLength)
			}

		case stCodingValue:
			switch {
			case b == ' ' && f.valueMatched == 0:
			case f.valueMatched < len(chunked) && b|0x20 == chunked[f.valueMatched]:
				f.valueMatched++
			case b == '\r' && f.valueMatched == len(chunked):
				f.state = stLineLF
			default:
				return f.refuse(i, headStart, refusedCoding)
			}

		case stLineLF:
			if b != '\n' {
				return f.refuse(i, headStart, refusedLineEnd)
			}
			if i-headStart > maxHeadBytes {
				return f.refuse(i, headStart, refusedHeadSize)
			}
			f.state = stLineStart

		case stHeadLF:
			if b != '\n' {
				return f.refuse(i, headStart, refusedLineEnd)
			}
			if i-headStart > maxHeadBytes {
				return f.refuse(i, headStart, refusedHeadSize)
			}
			if r := f.endHead(); r != refusalNone {
				return f.refuse(i, headStart, r)
			}

		case stBody:
			k := min(f.remain, uint64(len(p)-i))
			i += int(k)
			if f.remain -= k; f.remain == 0 {
				f.endRequest()
			}
			continue

		case stChunkSize:
			v, hex := unhex(b)
			switch {
			case hex:
				if f.digits++; f.digits > 16 {
					return f.refuse(i, headStart, refusedChunked)
				}
				f.remain = f.remain<<4 | uint64(v)
			case b == ';' && f.digits > 0:
				f.state = stChunkExt
			case b == '\r' && f.digits > 0:
				f.state = stChunkSizeLF
			default:
				return f.refuse(i, headStart, refusedChunked)
			}
			if f.line++; f.line > maxChunkLine {
				return f.refuse(i, headStart, refusedChunked)
			}

		case stChunkExt:
			switch {
			case b == '\r':
				f.state = stChunkSizeLF
			case b < ' ' && b != '\t' || b == 0x7f:
				return f.refuse(i, headStart, refusedChunked)
			}
			if f.line++; f.line > maxChunkLine {
				return f.refuse(i, headStart, refusedChunked)
			}

		case stChunkSizeLF:
			if b != '\n' {
				return f.refuse(i, headStart, refusedChunked)
			}
			f.digits, f.line = 0, 0
			if f.remain == 0 {
				f.trailer = 0
				f.state = stTrailerStart
			} else {
				f.state = stChunkData
			}

		case stChunkData:
			k := min(f.remain, uint64(len(p)-i))
			i += int(k)
			if f.remain -= k; f.remain == 0 {
				f.state = stChunkDataCR
			}
			continue

		case stChunkDataCR:
			if b != '\r' {
				return f.refuse(i, headStart, refusedChunked)
			}
			f.state = stChunkDataLF

		case stChunkDataLF:
			if b != '\n' {
				return f.refuse(i, headStart, refusedChunked)
			}
			f.state = stChunkSize

		case stTrailerStart, stTrailer, stTrailerLF, stLastLF:
			if f.trailer++; f.trailer > maxTrailerBytes {
				return f.refuse(i, headStart, refusedChunked)
			}
			switch f.state {
			case stTrailerStart:
				switch b {
				case '\r':
					f.state = stLastLF
				case '\n', ' ', '\t':
					return f.refuse(i, headStart, refusedChunked)
				default:
					f.state = stTrailer
				}
			case stTrailer:
				switch b {
				case '\r':
					f.state = stTrailerLF
				case '\n':
					return f.refuse(i, headStart, refusedChunked)
				}
			case stTrailerLF:
				if b != '\n' {
					return f.refuse(i, headStart, refusedChunked)
				}
				f.state = stTrailerStart
			case stLastLF:
				if b != '\n' {
					return f.refuse(i, headStart, refusedChunked)
				}
				f.endRequest()
			}

		case stPassthrough:
			return len(p), refusalNone
		}
		i++
	}
	if f.inHead() {
		if f.head = len(p) - headStart; f.head > maxHeadBytes {
			return f.refuse(len(p), headStart, refusedHeadSize)
		}
	}
	return len(p), refusalNone
}

const (
	nameCL  = "content-length"
	nameTE  = "transfer-encoding"
	chunked = "chunked"
)

// inHead reports whether a request head is open.
func (f *framer) inHead() bool { return f.state >= stRequestLine && f.state <= stHeadLF }

// passthrough stops checking: the connection is no longer HTTP/1 (it was hijacked).
func (f *framer) passthrough() {
	f.state = stPassthrough
	f.head = 0
}

// refuse ends the framing at p[i] with r; headStart is where the open head (if any) started.
func (f *framer) refuse(i, headStart int, r refusal) (int, refusal) {
	f.head = 0
	if f.inHead() {
		f.head = i - headStart
	}
	f.state = stRefused
	return i, r
}

func (f *framer) startHead() {
	f.state = stRequestLine
	f.spaces, f.mlen, f.tlen, f.vlen = 0, 0, 0, 0
	f.haveCL, f.haveTE, f.length = false, false, 0
	f.http10, f.pri = false, false
}

// endRequestLine checks the request line's version once its CRLF is seen.
func (f *framer) endRequestLine() refusal {
	if f.spaces != 2 || f.mlen == 0 || f.tlen == 0 {
		return refusedRequestLine
	}
	switch string(f.version[:f.vlen]) {
	case "HTTP/1.1":
	case "HTTP/1.0":
		f.http10 = true
	case "HTTP/2.0":
		// The HTTP/2 preface, only as a connection's first bytes (where net/http looks for it).
		if f.requests > 0 || f.mlen != 3 || string(f.method[:3]) != "PRI" || f.tlen != 1 || f.target0 != '*' {
			return refusedVersion
		}
		f.pri = true
	default:
		return refusedVersion
	}
	return refusalNone
}

// endName classifies a header line by its name once its colon is seen.
func (f *framer) endName() refusal {
	switch {
	case f.nameCL && f.nameLen == len(nameCL):
		if f.haveCL {
			return refusedTwoLengths
		}
		f.haveCL, f.valueDigits = true, 0
		f.state = stLengthValue
	case f.nameTE && f.nameLen == len(nameTE):
		if f.haveTE {
			return refusedTwoCodings
		}
		f.haveTE, f.valueMatched = true, 0
		f.state = stCodingValue
	default:
		f.state = stValue
	}
	return refusalNone
}

// endHead decides, once the head's empty line is seen, how the body is framed.
func (f *framer) endHead() refusal {
	switch {
	case f.haveTE && f.haveCL:
		return refusedBothLengths
	case f.haveTE && f.http10:
		return refusedOldCoding
	}
	f.requests++
	f.head, f.skipped = 0, 0
	f.post = f.mlen == 4 && string(f.method[:]) == "POST"
	switch {
	case f.pri:
		f.state = stPassthrough
	case f.haveTE:
		f.remain, f.digits, f.line = 0, 0, 0
		f.state = stChunkSize
	case f.length > 0:
		f.remain = f.length
		f.state = stBody
	default:
		f.endRequest()
	}
	return refusalNone
}

// endRequest returns to between requests once a request's body ended.
func (f *framer) endRequest() {
	f.done++
	f.state = stIdle
}

// nameEnds are the bytes that end a header name: its colon, or the whitespace and line ends
// the framer refuses in it.
var nameEnds = [256]bool{':': true, ' ': true, '\t': true, '\r': true, '\n': true}

// lowerIs reports whether name, lower-cased as in scan, is lower.
func lowerIs(name []byte, lower string) bool {
	for i, b := range name {
		if b|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// lineEnd returns the index of the first CR in p (len(p) if none), and whether an LF comes
// before it (then the index is the LF's).
func lineEnd(p []byte) (int, bool) {
	cr := bytes.IndexByte(p, '\r')
	span := p
	if cr >= 0 {
		span = p[:cr]
	} else {
		cr = len(p)
	}
	if lf := bytes.IndexByte(span, '\n'); lf >= 0 {
		return lf, true
	}
	return cr, false
}

// unhex returns the value of the hexadecimal digit b.
func unhex(b byte) (byte, bool) {
	switch {
	case b >= '0' && b <= '9':
		return b - '0', true
	case b >= 'a' && b <= 'f':
		return b - 'a' + 10, true
	case b >= 'A' && b <= 'F':
		return b - 'A' + 10, true
	}
	return 0, false
}
