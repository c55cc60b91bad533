package dataprep

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Values reach functions as whatever encoding/json produced (float64, json.Number, string, bool, maps and
// lists) or as what another function returned (int, int64, time.Time). These helpers accept all of them so
// an expression never fails on how a number happened to be decoded.

func asString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case time.Time:
		return formatTime(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

func asFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case json.Number:
		return x.Float64()
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", x)
		}
		return f, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	default:
		return 0, fmt.Errorf("a %s is not a number", kindOf(v))
	}
}

func asInt(v any) (int64, error) {
	switch x := v.(type) {
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n, nil
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := asFloat(v)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f > math.MaxInt64 || f < math.MinInt64 {
		return 0, fmt.Errorf("%v does not fit an integer", f)
	}
	return int64(f), nil // Data Prep's to_integer truncates toward zero
}

// asTime accepts epoch milliseconds (Data Prep's convention for numbers), a time, or an RFC 3339 string.
func asTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t, nil
		}
		if ms, err := strconv.ParseInt(x, 10, 64); err == nil {
			return time.UnixMilli(ms).UTC(), nil
		}
		return time.Time{}, fmt.Errorf("%q is neither epoch milliseconds nor an RFC 3339 date-time", x)
	}
	ms, err := asInt(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("want epoch milliseconds or a date: %w", err)
	}
	return time.UnixMilli(ms).UTC(), nil
}

// formatTime is how a date leaves an expression when no pattern was given: RFC 3339 in UTC with
// milliseconds, the form XDM date-time fields accept.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != "" && !strings.EqualFold(x, "false")
	default:
		f, err := asFloat(v)
		return err != nil || f != 0
	}
}

// looseEqual compares the way decode needs: numbers by value whatever their Go type, the rest as text.
func looseEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	_, aStr := a.(string)
	_, bStr := b.(string)
	if !aStr && !bStr {
		fa, errA := asFloat(a)
		fb, errB := asFloat(b)
		if errA == nil && errB == nil {
			return fa == fb
		}
	}
	return asString(a) == asString(b)
}
