package op

import "fmt"

// Class is the JavaScript error class an op error becomes.
type Class uint8

// The error classes. The numbering is shared with internal/v8's C header.
const (
	ClassError        Class = 1
	ClassTypeError    Class = 2
	ClassRangeError   Class = 3
	ClassDOMException Class = 4
)

// Error is an op failure that is thrown in JS as Class (with Name for a DOMException).
type Error struct {
	Class   Class
	Name    string // DOMException name, e.g. "NotSupportedError"
	Message string
}

func (e *Error) Error() string {
	switch e.Class {
	case ClassTypeError:
		return "TypeError: " + e.Message
	case ClassRangeError:
		return "RangeError: " + e.Message
	case ClassDOMException:
		return e.Name + ": " + e.Message
	}
	return "Error: " + e.Message
}

// TypeErrorf returns an error thrown as a JS TypeError.
func TypeErrorf(format string, args ...any) error {
	return &Error{Class: ClassTypeError, Message: fmt.Sprintf(format, args...)}
}

// RangeErrorf returns an error thrown as a JS RangeError.
func RangeErrorf(format string, args ...any) error {
	return &Error{Class: ClassRangeError, Message: fmt.Sprintf(format, args...)}
}

// DOMException returns an error thrown as a DOMException with the given name.
func DOMException(name, format string, args ...any) error {
	return &Error{Class: ClassDOMException, Name: name, Message: fmt.Sprintf(format, args...)}
}
