package compiler

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"cuelang.org/go/cue"
)

// decode fills the Go value x points to from v, as v.Decode(x) does for the types of
// model.go, but led by the Go types: a struct's fields are looked up by name (its json tag)
// rather than listed, since CUE sorts a struct's fields each time they are listed, and the
// package holds a few thousand values. Only maps are listed. TestDecodeIsCUEs holds it to
// cue.Value.Decode.
func decode(v cue.Value, x any) error {
	d := &decoder{}
	d.decode(reflect.ValueOf(x).Elem(), v)
	return d.err
}

type decoder struct{ err error }

func (d *decoder) fail(v cue.Value, err error) {
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("%s: %w", v.Path(), err)
	}
}

// goField is a struct field and the key it is decoded from.
type goField struct {
	index    int
	key      cue.Path
	embedded bool // an embedded struct, whose fields are the outer struct's
}

var structFields sync.Map // reflect.Type -> []goField

func fieldsOf(t reflect.Type) []goField {
	if fs, ok := structFields.Load(t); ok {
		return fs.([]goField)
	}
	var fs []goField
	for i := range t.NumField() {
		sf := t.Field(i)
		switch {
		case sf.Anonymous && sf.Type.Kind() == reflect.Struct:
			fs = append(fs, goField{index: i, embedded: true})
		case sf.IsExported():
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "" {
				panic(fmt.Sprintf("compiler: field %s of %s has no json name", sf.Name, t)) // model.go names every key
			}
			fs = append(fs, goField{index: i, key: cue.MakePath(cue.Str(name))})
		}
	}
	structFields.Store(t, fs)
	return fs
}

func (d *decoder) decode(x reflect.Value, v cue.Value) {
	v, _ = v.Default()
	if err := v.Err(); err != nil {
		d.fail(v, err)
		return
	}
	switch x.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		if v.IsNull() || !v.IsConcrete() {
			x.SetZero()
			return
		}
	default:
		if !v.IsConcrete() {
			d.fail(v, fmt.Errorf("cannot convert non-concrete value %v", v))
			return
		}
	}
	switch x.Kind() {
	case reflect.Interface:
		if val := d.any(v); val != nil {
			x.Set(reflect.ValueOf(val))
		}
	case reflect.Pointer:
		x.Set(reflect.New(x.Type().Elem()))
		d.decode(x.Elem(), v)
	case reflect.Bool:
		b, err := v.Bool()
		d.fail(v, err)
		x.SetBool(b)
	case reflect.Int:
		i, err := v.Int64()
		d.fail(v, err)
		x.SetInt(i)
	case reflect.Float64:
		f, err := v.Float64()
		d.fail(v, err)
		x.SetFloat(f)
	case reflect.String:
		s, err := v.String()
		d.fail(v, err)
		x.SetString(s)
	case reflect.Slice:
		var items []cue.Value
		it, err := v.List()
		d.fail(v, err)
		for err == nil && it.Next() {
			items = append(items, it.Value())
		}
		x.Set(reflect.MakeSlice(x.Type(), len(items), len(items))) // never nil, as Decode
		for i, item := range items {
			d.decode(x.Index(i), item)
		}
	case reflect.Map:
		if x.IsNil() {
			x.Set(reflect.MakeMap(x.Type()))
		}
		it, err := v.Fields()
		d.fail(v, err)
		for err == nil && it.Next() {
			elem := reflect.New(x.Type().Elem()).Elem()
			d.decode(elem, it.Value())
			x.SetMapIndex(reflect.ValueOf(it.Selector().Unquoted()), elem)
		}
	case reflect.Struct:
		for _, f := range fieldsOf(x.Type()) {
			if f.embedded {
				d.decode(x.Field(f.index), v)
				continue
			}
			// An optional field not given is not found; it keeps its zero value.
			if fv := v.LookupPath(f.key); fv.Exists() {
				d.decode(x.Field(f.index), fv)
			}
		}
	default:
		d.fail(v, fmt.Errorf("cannot decode into %s", x.Type()))
	}
}

// any is what Decode gives for an interface: bool, int64, float64, string, []any or
// map[string]any.
func (d *decoder) any(v cue.Value) any {
	v, _ = v.Default()
	var x any
	var err error
	switch v.Kind() {
	case cue.NullKind:
		return nil
	case cue.BoolKind:
		x, err = v.Bool()
	case cue.IntKind:
		if i, err := v.Int64(); err == nil {
			return i
		}
		x, err = v.Int(nil)
	case cue.FloatKind:
		if f, err := v.Float64(); err == nil {
			return f
		}
		x, err = v.Float(nil)
	case cue.StringKind:
		x, err = v.String()
	case cue.ListKind:
		a := []any{}
		it, lerr := v.List()
		err = lerr
		for lerr == nil && it.Next() {
			a = append(a, d.any(it.Value()))
		}
		x = a
	case cue.StructKind:
		m := map[string]any{}
		it, ferr := v.Fields()
		err = ferr
		for ferr == nil && it.Next() {
			m[it.Selector().Unquoted()] = d.any(it.Value())
		}
		x = m
	default:
		err = fmt.Errorf("cannot decode %v", v.Kind())
	}
	d.fail(v, err)
	return x
}
