package console

import (
	"testing"

	"islet/internal/op"
)

type sink struct {
	levels []int
	msgs   []string
}

func (s *sink) ConsoleLog(level int, msg string) {
	s.levels = append(s.levels, level)
	s.msgs = append(s.msgs, msg)
}

func TestConsoleLogOp(t *testing.T) {
	s := &sink{}
	if _, err := opLog(&op.Call{Args: []op.Value{op.Int(2), op.String("careful")}, Host: s}); err != nil {
		t.Fatal(err)
	}
	if len(s.msgs) != 1 || s.levels[0] != LevelWarn || s.msgs[0] != "careful" {
		t.Fatalf("got %v %q", s.levels, s.msgs)
	}
	// A host without a Sink drops the line.
	if _, err := opLog(&op.Call{Args: []op.Value{op.Int(1), op.String("x")}, Host: struct{}{}}); err != nil {
		t.Fatal(err)
	}
	bad := [][]op.Value{
		{op.Int(4), op.String("x")},
		{op.Int(-1), op.String("x")},
		{op.String("1"), op.String("x")},
		{op.Int(1), op.Int(1)},
	}
	for _, args := range bad {
		if _, err := opLog(&op.Call{Args: args, Host: s}); err == nil {
			t.Errorf("console_log%v: want an error", args)
		}
	}
	if len(s.msgs) != 1 {
		t.Errorf("bad calls logged: %q", s.msgs)
	}
}
