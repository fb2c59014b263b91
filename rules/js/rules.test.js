// Run with: node --test rules/js/
// The shared vectors (written by `go test ./rules/`) check that this evaluator and the Go one agree;
// the unit tests below pin the tricky parts with hand-written compiled nodes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cleanText, evaluate, evaluateForm } from './rules.js';

// evaluateForm's Map as a plain object, to compare with the JSON of the vectors.
const formObject = (form, data, ctx) => Object.fromEntries(evaluateForm(form, data, ctx));

const testdata = (name) => fileURLToPath(new URL('../testdata/' + name, import.meta.url));

// ---- Shared vectors ----

test('vectors.compiled.json', async (t) => {
  const file = testdata('vectors.compiled.json');
  if (!existsSync(file)) {
    assert.fail(file + ' does not exist: run `go test ./rules/` first, it writes the compiled vectors');
  }
  const { vectors } = JSON.parse(readFileSync(file, 'utf8'));
  assert.ok(Array.isArray(vectors) && vectors.length > 0, 'no vectors in ' + file);
  for (const [i, v] of vectors.entries()) {
    const name = '#' + i + ' ' + (v.name ? v.name + ': ' : '') + v.expr;
    await t.test(name, () => {
      assert.deepStrictEqual(evaluate(v.ir, v.data || {}, v.context || {}), v.want);
    });
  }
});

test('forms.compiled.json', async (t) => {
  const file = testdata('forms.compiled.json');
  if (!existsSync(file)) {
    t.skip(file + ' does not exist yet');
    return;
  }
  const { cases } = JSON.parse(readFileSync(file, 'utf8'));
  assert.ok(Array.isArray(cases) && cases.length > 0, 'no cases in ' + file);
  for (const [i, c] of cases.entries()) {
    await t.test('#' + i + ' ' + c.name, () => {
      assert.deepStrictEqual(formObject(c.form, c.data || {}, c.context || {}), c.want);
    });
  }
});

test('text.json', async (t) => {
  const { vectors } = JSON.parse(readFileSync(testdata('text.json'), 'utf8'));
  assert.ok(Array.isArray(vectors) && vectors.length > 0, 'no vectors in text.json');
  for (const [i, v] of vectors.entries()) {
    await t.test('#' + i + ' ' + v.name, () => {
      const want = v.refused ? { refused: v.refused } : { value: v.want };
      assert.deepStrictEqual(cleanText(v.in, v.kind), want, JSON.stringify(v.in));
    });
  }
});

// ---- Unit tests ----

const L = (v) => ['lit', v];
const D = (s) => ['date', s];
const C = (f, ...args) => ['call', f, ...args];
const F = (id, kind) => ['field', id, kind];
const U = { unanswered: true };
const E = (code) => ({ error: code });
const date = (s) => ({ date: s });

// Nodes giving unanswered and two distinct errors.
const UN = F('missing', 'number');
const UNB = F('missing', 'bool');
const ERR1 = C('eq', C('div', L(1), L(0)), L(1)); // division-by-zero, as a bool operand
const ERR2 = C('eq', C('date', L('x')), D('2000-01-01')); // bad-date, as a bool operand

// Runs a table of [node, want] (optionally [node, want, data, ctx]).
function table(rows) {
  for (const [node, want, data, ctx] of rows) {
    assert.deepStrictEqual(evaluate(node, data || {}, ctx || {}), want, JSON.stringify(node));
  }
}

test('date arithmetic', () => {
  table([
    [C('addMonths', D('2025-01-31'), L(1)), date('2025-02-28')],
    [C('addMonths', D('2024-01-31'), L(1)), date('2024-02-29')],
    [C('addMonths', D('2025-03-31'), L(-1)), date('2025-02-28')],
    [C('addMonths', D('2025-05-31'), L(1)), date('2025-06-30')],
    [C('addMonths', D('2025-01-15'), L(-13)), date('2023-12-15')],
    [C('addMonths', D('2025-12-15'), L(1)), date('2026-01-15')],
    [C('addMonths', D('2025-01-15'), L(0)), date('2025-01-15')],
    [C('addYears', D('2024-02-29'), L(1)), date('2025-02-28')],
    [C('addYears', D('2024-02-29'), L(4)), date('2028-02-29')],
    [C('addYears', D('2000-02-29'), L(-100)), date('1900-02-28')],
    [C('addYears', D('2000-02-29'), L(-400)), date('1600-02-29')],
    [C('addDays', D('2024-02-28'), L(1)), date('2024-02-29')],
    [C('addDays', D('2023-02-28'), L(1)), date('2023-03-01')],
    [C('addDays', D('1970-01-01'), L(-1)), date('1969-12-31')],
    [C('addDays', D('2024-12-31'), L(1)), date('2025-01-01')],
    [C('addDays', D('2024-01-01'), L(1.5)), E('not-integer')],
    [C('addMonths', D('2024-01-01'), L(0.5)), E('not-integer')],
    [C('addYears', D('2024-01-01'), L(-0.1)), E('not-integer')],
    // not-integer is checked before the range
    [C('addYears', D('9999-01-01'), L(1.5)), E('not-integer')],
    // bounds: years 1 and 9999
    [C('addDays', D('0001-01-01'), L(0)), date('0001-01-01')],
    [C('addDays', D('0001-01-01'), L(-1)), E('date-range')],
    [C('addDays', D('9999-12-31'), L(1)), E('date-range')],
    [C('addDays', D('9999-12-31'), L(-3652058)), date('0001-01-01')],
    [C('addDays', D('9999-12-31'), L(-3652059)), E('date-range')],
    [C('addMonths', D('9999-12-15'), L(1)), E('date-range')],
    [C('addMonths', D('0001-01-31'), L(-1)), E('date-range')],
    [C('addMonths', D('0001-01-31'), L(119987)), date('9999-12-31')],
    [C('addYears', D('9999-02-28'), L(1)), E('date-range')],
    [C('addYears', D('0004-02-29'), L(-3)), date('0001-02-28')],
    [C('addYears', D('0004-02-29'), L(-4)), E('date-range')],
    // huge counts are a range error, not a wrong date
    [C('addDays', D('2000-01-01'), L(1e300)), E('date-range')],
    [C('addDays', D('2000-01-01'), L(-1e300)), E('date-range')],
    [C('addMonths', D('2000-01-01'), L(1e300)), E('date-range')],
    [C('addMonths', D('2000-01-01'), L(-9007199254740992)), E('date-range')],
    [C('addYears', D('2000-01-01'), L(1e300)), E('date-range')],
    [C('addYears', D('2000-01-01'), L(-7999)), E('date-range')],
    [C('addYears', D('2000-01-01'), L(7999)), date('9999-01-01')],
    // spans, negative too
    [C('daysBetween', D('0001-01-01'), D('9999-12-31')), 3652058],
    [C('daysBetween', D('2024-03-01'), D('2024-02-28')), -2],
    [C('daysBetween', D('2024-02-28'), D('2024-03-01')), 2],
    [C('daysBetween', D('2024-02-28'), D('2024-02-28')), 0],
    [C('monthsBetween', D('2000-05-10'), D('2010-05-09')), 119],
    [C('monthsBetween', D('2000-05-10'), D('2010-05-10')), 120],
    [C('monthsBetween', D('2010-05-10'), D('2000-05-10')), -120],
    [C('monthsBetween', D('2010-05-09'), D('2000-05-10')), -119],
    [C('monthsBetween', D('2025-01-31'), D('2025-02-28')), 0],
    [C('monthsBetween', D('2024-01-31'), D('2024-01-15')), 0], // -0 normalised
    [C('yearsBetween', D('2000-05-10'), D('2010-05-09')), 9],
    [C('yearsBetween', D('2000-05-10'), D('2010-05-10')), 10],
    [C('yearsBetween', D('2010-05-10'), D('2000-05-11')), -9],
    [C('yearsBetween', D('2001-02-28'), D('2000-02-29')), 0], // -0 normalised
    [C('yearsBetween', D('0001-01-01'), D('9999-12-31')), 9998],
    // born on 29 February: the birthday is 1 March in a common year
    [C('yearsBetween', D('2000-02-29'), D('2001-02-28')), 0],
    [C('yearsBetween', D('2000-02-29'), D('2001-03-01')), 1],
    [C('yearsBetween', D('2000-02-29'), D('2004-02-29')), 4],
    [C('yearsBetween', D('2001-03-01'), D('2000-02-29')), -1],
    [C('year', D('0001-01-01')), 1],
    [C('month', D('9999-12-31')), 12],
    [C('day', D('9999-12-31')), 31],
    [C('day', D('1969-12-31')), 31],
    [C('year', D('1600-02-29')), 1600],
    [D('0001-01-01'), date('0001-01-01')],
    [D('0999-06-30'), date('0999-06-30')],
  ]);
});

test('date() and date fields', () => {
  table([
    [C('date', L('2024-02-29')), date('2024-02-29')],
    [C('date', L('9999-12-31')), date('9999-12-31')],
    [C('date', L('0001-01-01')), date('0001-01-01')],
    [C('date', L('2023-02-29')), E('bad-date')],
    [C('date', L('1900-02-29')), E('bad-date')],
    [C('date', L('0000-01-01')), E('bad-date')],
    [C('date', L('2024-13-01')), E('bad-date')],
    [C('date', L('2024-04-31')), E('bad-date')],
    [C('date', L('2024-1-01')), E('bad-date')],
    [C('date', L(' 2024-01-01')), E('bad-date')],
    [C('date', L('2024-01-01\n')), E('bad-date')],
    [C('date', L('2024-01-01T00:00')), E('bad-date')],
    [C('date', L('١٢٣٤-01-01')), E('bad-date')], // non-ASCII digits
    [C('date', L('')), E('bad-date')], // a literal "" is a value, not unanswered
    [C('date', UN), U],
    [F('dob', 'date'), date('2020-01-31'), { dob: '2020-01-31' }],
    [F('dob', 'date'), E('bad-value'), { dob: '2020-02-30' }],
    [F('dob', 'date'), E('bad-value'), { dob: '2020-01-31T00:00:00Z' }],
    [F('dob', 'date'), E('bad-value'), { dob: 20200131 }],
    [F('dob', 'date'), U, { dob: '' }],
    [['ctx', 'today'], date('2025-06-01'), {}, { today: '2025-06-01' }],
    [C('yearsBetween', F('dob', 'date'), ['ctx', 'today']), 5, { dob: '2020-06-01' }, { today: '2025-06-01' }],
    [C('yearsBetween', F('dob', 'date'), ['ctx', 'today']), 4, { dob: '2020-06-02' }, { today: '2025-06-01' }],
    [C('le', F('dob', 'date'), ['ctx', 'today']), true, { dob: '2025-06-01' }, { today: '2025-06-01' }],
    [C('eq', F('dob', 'date'), D('2025-06-01')), true, { dob: '2025-06-01' }],
    [['list', D('2025-06-01'), D('0001-01-01')], [date('2025-06-01'), date('0001-01-01')]],
    [['if', L(true), D('2025-06-01'), F('dob', 'date')], date('2025-06-01')],
    [C('coalesce', F('dob', 'date'), D('2025-06-01')), date('2025-06-01')],
  ]);
});

test('Kleene logic and the unanswered/error order', () => {
  table([
    [['and', L(false), ERR1], false],
    [['and', ERR1, L(false)], false],
    [['and', UNB, L(false)], false],
    [['and', L(true), L(true)], true],
    [['and', L(true), UNB], U],
    [['and', UNB, L(true)], U],
    [['and', UNB, ERR1], U],
    [['and', ERR1, UNB], U],
    [['and', ERR1, ERR2], E('division-by-zero')],
    [['and', ERR2, ERR1], E('bad-date')],
    [['and', L(true), ERR2], E('bad-date')],
    [['and', ERR2, L(true)], E('bad-date')],
    [['or', L(true), ERR1], true],
    [['or', ERR1, L(true)], true],
    [['or', UNB, L(true)], true],
    [['or', L(false), L(false)], false],
    [['or', L(false), UNB], U],
    [['or', ERR1, UNB], U],
    [['or', UNB, ERR1], U],
    [['or', ERR2, ERR1], E('bad-date')],
    [['or', L(false), ERR1], E('division-by-zero')],
    [['not', UNB], U],
    [['not', ERR1], E('division-by-zero')],
    [['not', L(false)], true],
    [['if', UNB, L(1), L(2)], U],
    [['if', ERR1, L(1), L(2)], E('division-by-zero')],
    [['if', L(true), L(1), C('div', L(1), L(0))], 1],
    [['if', L(false), L(1), UN], U],
    [C('answered', UN), false],
    [C('answered', ERR1), E('division-by-zero')],
    [C('answered', L('')), true],
    [C('coalesce', UN, L(7)), 7],
    [C('coalesce', C('div', L(1), L(0)), L(7)), E('division-by-zero')],
    [C('coalesce', L(3), UN), 3],
    // strict operators: unanswered wins, then the leftmost error
    [C('add', C('div', L(1), L(0)), UN), U],
    [C('add', UN, C('div', L(1), L(0))), U],
    [C('eq', ERR2, ERR1), E('bad-date')],
    [C('eq', ERR1, ERR2), E('division-by-zero')],
    [['list', L(1), C('div', L(1), L(0)), UN], U],
    [['list', L(1), C('mul', L(1e308), L(10)), C('div', L(1), L(0))], E('overflow')],
    [C('in', L(1), ['list', L(1), UN]), U],
  ]);
});

test('numbers, -0 and rounding', () => {
  table([
    [C('neg', L(0)), 0],
    [C('mul', L(-1), L(0)), 0],
    [C('mod', L(-4), L(2)), 0],
    [C('round', L(-0.4)), 0],
    [C('ceil', L(-0.5)), 0],
    [C('div', L(0), L(-5)), 0],
    [['list', C('neg', L(0)), L(1)], [0, 1]],
    [F('w', 'number'), 0, { w: -0 }],
    [C('round', L(2.5)), 3],
    [C('round', L(-2.5)), -3],
    [C('round', L(0.5)), 1],
    [C('round', L(-0.5)), -1],
    [C('round', L(1.4999999999999998)), 1],
    [C('round', L(0.49999999999999994)), 0],
    [C('round', L(-0.49999999999999994)), 0],
    [C('round', L(4503599627370495.5)), 4503599627370496],
    [C('round', L(1e300)), 1e300],
    [C('floor', L(-1.5)), -2],
    [C('ceil', L(-1.5)), -1],
    [C('abs', L(-2)), 2],
    [C('mod', L(-7), L(3)), -1],
    [C('mod', L(7), L(-3)), 1],
    [C('mod', L(5.5), L(2)), 1.5],
    [C('div', L(1), L(0)), E('division-by-zero')],
    [C('div', L(0), L(0)), E('division-by-zero')],
    [C('mod', L(1), L(0)), E('division-by-zero')],
    [C('div', L(1), C('neg', L(0))), E('division-by-zero')],
    [C('mul', L(1e308), L(10)), E('overflow')],
    [C('add', L(1e308), L(1e308)), E('overflow')],
    [C('sub', L(-1e308), L(1e308)), E('overflow')],
    [C('div', L(1e308), L(1e-10)), E('overflow')],
    [C('add', L(0.1), L(0.2)), 0.30000000000000004],
  ]);
});

test('strings by code point', () => {
  table([
    // U+FF21 < U+1D538 < U+1F600, though "𝔸" and "😀" are surrogate pairs (0xD835, 0xD83D < 0xFF21)
    [C('lt', L('Ａ'), L('😀')), true],
    [C('lt', L('Ａ'), L('𝔸')), true],
    [C('gt', L('𝔸'), L('\uE000')), true],
    [C('lt', L('𝔸'), L('😀')), true],
    [C('lt', L('x𝔸'), L('x\uFFFF')), false],
    [C('lt', L('a'), L('ab')), true],
    [C('lt', L('B'), L('a')), true],
    [C('le', L('a'), L('a')), true],
    [C('ge', L('a'), L('b')), false],
    [C('lt', L(''), L('a')), true],
    [C('size', L('😀')), 1],
    [C('size', L('𝔸a😀')), 3],
    [C('size', L('é')), 1],
    [C('size', L('e\u0301')), 2],
    [C('size', L('')), 0],
    [C('size', ['list', L('a'), L('b')]), 2],
    [C('size', F('langs', 'list')), 2, { langs: ['en', 'fr'] }],
    [C('concat', L('😀'), L('a')), '😀a'],
    [C('contains', L('a😀b'), L('😀')), true],
    [C('startsWith', L('abc'), L('')), true],
    [C('endsWith', L('abc'), L('bc')), true],
    [C('eq', ['list', L('a'), L('b')], ['list', L('a'), L('b')]), true],
    [C('eq', ['list', L('a'), L('b')], ['list', L('b'), L('a')]), false],
    [C('ne', ['list', L('a')], ['list', L('a'), L('b')]), true],
    [C('in', L('fr'), F('langs', 'list')), true, { langs: ['en', 'fr'] }],
    [C('in', L('de'), F('langs', 'list')), false, { langs: ['en', 'fr'] }],
    [['matches', L('ab1'), '[a-z]+', '^(?:[a-z]+)$'], false],
    [['matches', L('ab'), '[a-z]+', '^(?:[a-z]+)$'], true],
    [['matches', L('😀'), '.', '^(?:.)$'], true],
    [['matches', UN, '.', '^(?:.)$'], U],
  ]);
});

test('reading the declaration and the context', () => {
  const name = ['part', 'mother.name', 'family'];
  table([
    [F('x', 'string'), U, {}],
    [F('x', 'string'), U, { x: null }],
    [F('x', 'string'), U, { x: '' }],
    [F('x', 'list'), U, { x: [] }],
    [F('x', 'number'), E('bad-value'), { x: [] }], // only a selection is empty as []
    [F('x', 'string'), 'a', { x: 'a' }],
    [F('x', 'string'), E('bad-value'), { x: 1 }],
    [F('x', 'number'), E('bad-value'), { x: '3' }],
    [F('x', 'number'), E('bad-value'), { x: NaN }],
    [F('x', 'number'), 3.2, { x: 3.2 }],
    [F('x', 'bool'), false, { x: false }],
    [F('x', 'bool'), E('bad-value'), { x: 'false' }],
    [F('x', 'list'), E('bad-value'), { x: [1] }],
    [F('x', 'list'), E('bad-value'), { x: 'en' }],
    [F('x', 'list'), ['en', 'fr'], { x: ['en', 'fr'] }],
    [C('answered', F('n', 'compound')), true, { n: { given: 'Ama', family: null } }],
    [C('answered', F('n', 'compound')), false, { n: { given: '', family: null } }],
    [C('answered', F('n', 'compound')), false, { n: {} }],
    [C('answered', F('n', 'compound')), E('bad-value'), { n: { given: 'Ama', family: 5 } }],
    [C('answered', F('n', 'compound')), E('bad-value'), { n: 'Ama' }],
    [C('answered', F('n', 'compound')), E('bad-value'), { n: ['Ama'] }],
    [C('answered', F('d', 'document')), true, { d: { id: 'f1' } }],
    [C('answered', F('d', 'document')), E('bad-value'), { d: 'f1' }], // metadata is an object
    [C('answered', F('d', 'document')), false, { d: {} }],
    [C('answered', F('d', 'document')), false, { d: null }],
    [C('answered', F('d', 'document')), E('bad-value'), { d: 5 }],
    [name, 'Mensah', { 'mother.name': { given: 'Ama', family: 'Mensah' } }],
    [name, U, { 'mother.name': { given: 'Ama' } }],
    [name, U, { 'mother.name': { given: 'Ama', family: '' } }],
    [name, U, { 'mother.name': { family: null } }],
    [name, U, {}],
    [name, U, { 'mother.name': null }],
    [name, E('bad-value'), { 'mother.name': { family: 7 } }],
    [name, E('bad-value'), { 'mother.name': 'Mensah' }],
    [['ctx', 'today'], U, {}, {}],
    [['ctx', 'today'], E('bad-value'), {}, { today: '2025-02-30' }],
    [['ctx', 'record.status'], 'draft', {}, { record: { status: 'draft' } }],
    [['ctx', 'record.status'], U, {}, {}],
    [['ctx', 'record.flags'], [], {}, {}],
    [['ctx', 'record.flags'], [], {}, { record: { flags: [] } }],
    [C('eq', ['ctx', 'record.flags'], ['list']), true, {}, { record: { flags: [] } }],
    [C('in', L('late'), ['ctx', 'record.flags']), true, {}, { record: { flags: ['late'] } }],
    [C('size', ['ctx', 'record.flags']), 0, {}, {}],
    [['ctx', 'user.role'], 'registrar', {}, { user: { role: 'registrar', office: 'o1', area: 'a1' } }],
    [['ctx', 'user.office'], 'o1', {}, { user: { role: 'registrar', office: 'o1', area: 'a1' } }],
    [['ctx', 'user.area'], U, {}, { user: { area: '' } }],
  ]);
});

test('compiler bugs throw', () => {
  assert.throws(() => evaluate(['nope', 1], {}, {}), /unknown node/);
  assert.throws(() => evaluate(C('nope', L(1)), {}, {}), /unknown function/);
  assert.throws(() => evaluate(C('add', L(1)), {}, {}), /arguments/);
  assert.throws(() => evaluate(['ctx', 'user.name'], {}, {}), /unknown context/);
  assert.throws(() => evaluate(['field', 'x', 'int'], {}, {}), /unknown field kind/);
});

test('a compiled node is reused', () => {
  const node = ['matches', F('p', 'string'), '[0-9]+', '^(?:[0-9]+)$'];
  assert.equal(evaluate(node, { p: '123' }, {}), true);
  assert.equal(evaluate(node, { p: '12a' }, {}), false);
  assert.deepStrictEqual(evaluate(node, {}, {}), U);
});

test('evaluateForm', () => {
  const form = {
    fields: [
      { id: 'child.dob', kind: 'date', required: true, checks: [{ rule: C('le', F('child.dob', 'date'), ['ctx', 'today']), message: 'dob.future' }] },
      { id: 'child.age', kind: 'number', calc: C('yearsBetween', F('child.dob', 'date'), ['ctx', 'today']) },
      { id: 'child.place', kind: 'string', required: true },
      {
        id: 'child.facility',
        kind: 'string',
        shown: C('eq', F('child.place', 'string'), L('health-facility')),
        required: true,
        checks: [{ rule: C('startsWith', F('child.facility', 'string'), L('HF')), message: 'facility.code' }],
      },
      { id: 'child.facilityCopy', kind: 'string', calc: F('child.facility', 'string') },
      { id: 'child.bad', kind: 'number', calc: C('div', L(1), L(0)) },
      { id: 'mother.name', kind: 'compound', required: C('ge', F('child.age', 'number'), L(0)), enabled: L(false) },
      { id: 'mother.family', kind: 'string', calc: ['part', 'mother.name', 'family'] },
      { id: 'mother.dob', kind: 'date', required: C('eq', ['ctx', 'user.role'], L('x')), checks: [{ rule: L(false), message: 'never' }] },
    ],
  };
  const ctx = { today: '2025-06-01' };
  const data = {
    'child.dob': '2026-01-01',
    'child.place': 'home',
    'child.facility': 'XX1',
    'mother.name': { given: '', family: 'Mensah' },
    'mother.dob': '2000-02-30',
  };
  assert.deepStrictEqual(formObject(form, data, ctx), {
    'child.dob': { shown: true, enabled: true, required: true, errors: ['dob.future'] },
    'child.age': { shown: true, enabled: true, required: false, errors: [], value: 0 },
    'child.place': { shown: true, enabled: true, required: true, errors: [] },
    // hidden: its declared value is ignored, by its own checks and by later rules
    'child.facility': { shown: false, enabled: true, required: true, errors: [] },
    'child.facilityCopy': { shown: true, enabled: true, required: false, errors: [], value: U },
    // an error in a calculation leaves the field unanswered
    'child.bad': { shown: true, enabled: true, required: false, errors: [], value: U },
    'mother.name': { shown: true, enabled: false, required: true, errors: [] },
    'mother.family': { shown: true, enabled: true, required: false, errors: [], value: 'Mensah' },
    // a bad value is neither "required" nor judged by checks; an unanswered required-if is false
    'mother.dob': { shown: true, enabled: true, required: false, errors: [] },
  });

  const data2 = { 'child.dob': '2020-06-01', 'child.place': 'health-facility', 'child.facility': 'XX1', 'mother.name': { given: '' } };
  const r = formObject(form, data2, ctx);
  assert.deepStrictEqual(r['child.dob'].errors, []);
  assert.deepStrictEqual(r['child.age'].value, 5);
  assert.deepStrictEqual(r['child.facility'], { shown: true, enabled: true, required: true, errors: ['facility.code'] });
  assert.deepStrictEqual(r['child.facilityCopy'].value, 'XX1');
  // required even though disabled: the error needs it enabled too
  assert.deepStrictEqual(r['mother.name'], { shown: true, enabled: false, required: true, errors: [] });
  assert.deepStrictEqual(r['mother.family'].value, U);

  const r3 = formObject(form, { 'child.place': 'health-facility' }, ctx);
  assert.deepStrictEqual(r3['child.dob'].errors, ['required']);
  assert.deepStrictEqual(r3['child.facility'].errors, ['required']);
  assert.deepStrictEqual(r3['mother.name'].required, false);
  assert.deepStrictEqual(r3['mother.dob'].required, false);
});

test('evaluateForm: a date calculation is encoded as a date', () => {
  const form = {
    fields: [
      { id: 'a', kind: 'date' },
      { id: 'b', kind: 'date', calc: C('addDays', F('a', 'date'), L(1)) },
      { id: 'c', kind: 'number', calc: C('daysBetween', F('a', 'date'), F('b', 'date')) },
    ],
  };
  const r = formObject(form, { a: '2024-02-28' }, {});
  assert.deepStrictEqual(r.b.value, date('2024-02-29'));
  assert.deepStrictEqual(r.c.value, 1);
});

test('parts are read on their own, and a whole name encodes as Go does', () => {
  const data = { 'mother.name': { given: 'Ama', family: 5 } };
  assert.deepStrictEqual(evaluate(F('mother.name', 'compound'), { 'mother.name': { given: 'Ama' } }, {}), { compound: true });
  assert.deepStrictEqual(evaluate(C('answered', F('mother.name', 'compound')), data, {}), E('bad-value'));
  assert.deepStrictEqual(evaluate(['part', 'mother.name', 'given'], data, {}), 'Ama');
  assert.deepStrictEqual(evaluate(['part', 'mother.name', 'family'], data, {}), E('bad-value'));
  assert.deepStrictEqual(evaluate(['part', 'mother.name', 'given'], { 'mother.name': [] }, {}), E('bad-value'));
  // In a form too, even after the whole field was read (and found bad), unless it is hidden.
  const form = {
    fields: [
      { id: 'mother.name', kind: 'compound', shown: C('ne', ['ctx', 'user.role'], L('clerk')) },
      { id: 'x', kind: 'bool', shown: C('answered', F('mother.name', 'compound')) },
      { id: 'y', kind: 'string', calc: ['part', 'mother.name', 'given'] },
    ],
  };
  assert.deepStrictEqual(formObject(form, data, { user: { role: 'registrar' } }).y.value, 'Ama');
  assert.deepStrictEqual(formObject(form, data, { user: { role: 'clerk' } }).y.value, U);
});
