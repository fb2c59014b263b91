// The browser's evaluator of the rule language: see ../LANGUAGE.md, "The compiled form".
// It must give exactly the Go evaluator's results; ../testdata/vectors.compiled.json checks that.
//
// A node is compiled once into a closure (cached per node array) that takes an environment
// {data, ctx, eff}. Internal values: booleans, numbers and strings as themselves, a date as its
// day number (days since 1970-01-01), a list as an array, a name/address or document as the
// declaration's own value, and unanswered/errors as the Special objects below. Results are
// turned into the JSON encoding only at the end, by encode().
//
// Plain ES2018: no optional chaining, no ??, no class fields (old phones).

class Special {}
class Unanswered extends Special {}
class RuleError extends Special {
  constructor(code) {
    super();
    this.code = code;
  }
}

const U = new Unanswered();
const DIV0 = new RuleError('division-by-zero');
const OVERFLOW = new RuleError('overflow');
const NOT_INTEGER = new RuleError('not-integer');
const BAD_DATE = new RuleError('bad-date');
const DATE_RANGE = new RuleError('date-range');
const BAD_VALUE = new RuleError('bad-value');

const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---- Dates: proleptic Gregorian day numbers (H. Hinnant's civil algorithms) ----

function daysFromCivil(y, m, d) {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

// Returns [year, month, day].
function civil(z) {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const daysInMonth = (y, m) => (m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]);

const MIN_DAY = daysFromCivil(1, 1, 1);
const MAX_DAY = daysFromCivil(9999, 12, 31);
// The number written by the ASCII digits s[from:to], or -1 if one is not a digit.
function digits(s, from, to) {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

// The day number of a "YYYY-MM-DD" string of a real date in 0001..9999, or null.
function parseDate(s) {
  if (typeof s !== 'string' || s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return null;
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 7);
  const d = digits(s, 8, 10);
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return null;
  return daysFromCivil(y, m, d);
}

function formatDate(n) {
  const c = civil(n);
  const p2 = (x) => (x < 10 ? '0' : '') + x;
  return String(c[0]).padStart(4, '0') + '-' + p2(c[1]) + '-' + p2(c[2]);
}

function addDays(d, n) {
  if (!Number.isInteger(n)) return NOT_INTEGER;
  const r = d + n; // exact or hugely out of range: both compare correctly
  return r < MIN_DAY || r > MAX_DAY ? DATE_RANGE : r;
}

function addMonths(d, n) {
  if (!Number.isInteger(n)) return NOT_INTEGER;
  if (Math.abs(n) > 12 * 10000) return DATE_RANGE; // keeps the arithmetic below exact
  const c = civil(d);
  const t = c[0] * 12 + (c[1] - 1) + n;
  const y = Math.floor(t / 12);
  const m = t - y * 12 + 1;
  if (y < 1 || y > 9999) return DATE_RANGE;
  return daysFromCivil(y, m, Math.min(c[2], daysInMonth(y, m)));
}

function addYears(d, n) {
  if (!Number.isInteger(n)) return NOT_INTEGER;
  if (Math.abs(n) > 10000) return DATE_RANGE;
  return addMonths(d, n * 12);
}

function monthsBetween(a, b) {
  if (b < a) return -monthsBetween(b, a) + 0; // + 0 turns -0 into 0
  const x = civil(a);
  const y = civil(b);
  return (y[0] - x[0]) * 12 + (y[1] - x[1]) - (y[2] < x[2] ? 1 : 0);
}

// ---- Numbers and strings ----

const num = (x) => (Number.isFinite(x) ? x : OVERFLOW);

// Half away from zero, like Go's math.Round. x - trunc(x) is exact, so no 0.49999999999999994 trap.
function round(x) {
  const t = Math.trunc(x);
  return Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t;
}

// Orders strings by code point (as Go's byte-wise UTF-8 order does), not by UTF-16 unit:
// at the first differing unit, surrogates (U+10000 and up) must sort after U+E000..U+FFFF.
function compareStrings(s, t) {
  if (s === t) return 0;
  const n = Math.min(s.length, t.length);
  for (let i = 0; i < n; i++) {
    let a = s.charCodeAt(i);
    let b = t.charCodeAt(i);
    if (a !== b) {
      if (a >= 0xd800 && b >= 0xd800) {
        a = a >= 0xe000 ? a - 0x800 : a + 0x2000;
        b = b >= 0xe000 ? b - 0x800 : b + 0x2000;
      }
      return a < b ? -1 : 1;
    }
  }
  return s.length < t.length ? -1 : 1;
}

function compare(a, b) {
  if (typeof a === 'string') return compareStrings(a, b);
  return a < b ? -1 : a > b ? 1 : 0; // numbers, or dates as day numbers
}

// Code points: every UTF-16 unit except the low half of a surrogate pair.
function codePoints(s) {
  let n = s.length;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

function equal(a, b) {
  if (Array.isArray(a)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i])) return false;
    return true;
  }
  return a === b;
}

// ---- Strict functions: called only with values (no unanswered, no error) ----

const FUNCS = {
  eq: (a, b) => equal(a, b),
  ne: (a, b) => !equal(a, b),
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  add: (a, b) => num(a + b),
  concat: (a, b) => a + b,
  sub: (a, b) => num(a - b),
  mul: (a, b) => num(a * b),
  div: (a, b) => (b === 0 ? DIV0 : num(a / b)),
  mod: (a, b) => (b === 0 ? DIV0 : a % b), // JS % is Go's math.Mod: the sign of a
  neg: (a) => -a,
  in: (x, list) => {
    for (let i = 0; i < list.length; i++) if (equal(x, list[i])) return true;
    return false;
  },
  date: (s) => {
    const d = parseDate(s);
    return d === null ? BAD_DATE : d;
  },
  addDays: addDays,
  addMonths: addMonths,
  addYears: addYears,
  daysBetween: (a, b) => b - a,
  monthsBetween: monthsBetween,
  yearsBetween: (a, b) => Math.trunc(monthsBetween(a, b) / 12) + 0,
  year: (d) => civil(d)[0],
  month: (d) => civil(d)[1],
  day: (d) => civil(d)[2],
  size: (x) => (typeof x === 'string' ? codePoints(x) : x.length),
  contains: (s, t) => s.includes(t),
  startsWith: (s, t) => s.startsWith(t),
  endsWith: (s, t) => s.endsWith(t),
  abs: (n) => Math.abs(n),
  floor: (n) => Math.floor(n),
  ceil: (n) => Math.ceil(n),
  round: round,
};

// Unanswered if any value is; else the first error; else null (all are values).
function special(vals) {
  let first = null;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    if (v === U) return U;
    if (first === null && v instanceof RuleError) first = v;
  }
  return first;
}

// A closure that evaluates every operand left to right, then applies f to the values.
// Arities 1 and 2 (nearly every call) avoid allocating an array.
function strict(args, f) {
  if (args.length === 1) {
    const a = args[0];
    return (env) => {
      const x = a(env);
      return x instanceof Special ? x : f(x);
    };
  }
  if (args.length === 2) {
    const a = args[0];
    const b = args[1];
    return (env) => {
      const x = a(env);
      const y = b(env);
      if (x instanceof Special || y instanceof Special) {
        return x === U || y === U ? U : x instanceof Special ? x : y;
      }
      return f(x, y);
    };
  }
  return (env) => {
    const vals = args.map((a) => a(env));
    const s = special(vals);
    return s !== null ? s : f.apply(null, vals);
  };
}

// ---- Text answers: what they may hold, and how they are stored (CleanText in ../text.go) ----

// Refused in any text: control (Cc), formatting (Cf), private-use (Co), unassigned (Cn) and
// lone surrogate (Cs) code points, the line and paragraph separators (Zl, Zp), and U+FFFD,
// which invalid UTF-8 becomes. Tab, CR and LF are let through in text of several lines;
// ZWNJ and ZWJ where they shape a word (joins).
const REFUSED = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}\uFFFD]/u;
const LETTER = /^\p{L}$/u;
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u;
const MARK = /^\p{M}$/u;
// The scripts in which ZWNJ and ZWJ change how a word is written (joinScripts in ../text.go).
const JOIN_SCRIPTS = ['Arabic', 'Syriac', 'Nko', 'Mongolian', 'Devanagari', 'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya',
  'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala'].map((sc) => new RegExp('^\\p{sc=' + sc + '}$', 'u'));
const PLAIN_SPACES = /[ \u00A0\u2000-\u200A\u205F]+/g;

// The viramas of JOIN_SCRIPTS (viramas in ../text.go): Bengali writes ra and the ya-phala with
// ZWJ before the virama.
const VIRAMAS = '\u094D\u09CD\u0A4D\u0ACD\u0B4D\u0BCD\u0C4D\u0CCD\u0D3B\u0D3C\u0D4D\u0DCA';

// Whether the ZWNJ or ZWJ at cps[i] (an array of code points as strings) shapes a word: after a
// letter or mark, the nearest letter before it of a script of JOIN_SCRIPTS, and a letter of
// the same script after it, or a virama of the same script followed by one.
function joins(cps, i) {
  if (i === 0 || !LETTER_OR_MARK.test(cps[i - 1])) return false;
  let j = i - 1;
  while (j >= 0 && MARK.test(cps[j])) j--;
  if (j < 0 || i + 1 >= cps.length) return false;
  const base = cps[j];
  let next = cps[i + 1];
  let virama = null;
  if (VIRAMAS.includes(next)) {
    virama = next;
    next = i + 2 < cps.length ? cps[i + 2] : '';
  }
  if (!LETTER.test(base) || !LETTER.test(next)) return false;
  for (const sc of JOIN_SCRIPTS) {
    if (sc.test(base)) return sc.test(next) && (virama === null || sc.test(virama));
  }
  return false;
}

// The first code point of s that a text answer may not hold ('' when none), as a string.
function refusedChar(s, lines) {
  if (!REFUSED.test(s)) return '';
  const cps = Array.from(s); // by code point: a lone surrogate stays one element
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    if (!REFUSED.test(c)) continue;
    if (lines && (c === '\n' || c === '\r' || c === '\t')) continue;
    if ((c === '\u200C' || c === '\u200D') && joins(cps, i)) continue;
    return c;
  }
  return '';
}

// A text answer as it is stored: {value} cleaned, or {refused: 'U+XXXX'}. kind is 'line' or
// 'lines'. See CleanText in ../text.go, which gives the same answers.
export function cleanText(s, kind) {
  const lines = kind === 'lines';
  const bad = refusedChar(s, lines);
  if (bad !== '') {
    // A lone surrogate reaches the server as U+FFFD, and is named so.
    const cp = /\p{Cs}/u.test(bad) ? 0xfffd : bad.codePointAt(0);
    return { refused: 'U+' + cp.toString(16).toUpperCase().padStart(4, '0') };
  }
  s = s.normalize('NFC');
  if (lines) return { value: s.replace(/\r\n?/g, '\n').trim() };
  return { value: s.trim().replace(PLAIN_SPACES, ' ') };
}

// Whether a field's answer holds a text that may not be stored: a string, or a part of a name
// or address.
function textRefused(v, kind) {
  if (typeof v === 'string') return refusedChar(v, kind === 'lines') !== '';
  if (isObject(v)) {
    for (const k in v) {
      if (hasOwn(v, k) && typeof v[k] === 'string' && refusedChar(v[k], kind === 'lines') !== '') return true;
    }
  }
  return false;
}

// ---- Reading the declaration and the context ----

const KINDS = ['bool', 'number', 'string', 'date', 'list', 'compound', 'document'];

// The declaration's value of field id read as kind: a value, U, or BAD_VALUE.
function decode(data, id, kind) {
  if (!hasOwn(data, id)) return U;
  const v = data[id];
  if (v === null || v === undefined || v === '') return U; // whatever the kind: no answer
  switch (kind) {
    case 'bool':
      return typeof v === 'boolean' ? v : BAD_VALUE;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? v : BAD_VALUE;
    case 'string':
      return typeof v === 'string' ? v : BAD_VALUE;
    case 'date': {
      const d = parseDate(v);
      return d === null ? BAD_VALUE : d;
    }
    case 'list':
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) return BAD_VALUE;
      return v.length === 0 ? U : v; // an empty selection is no answer
    case 'compound': {
      // Answered when some part is a non-empty string; every part must be a string or null.
      if (!isObject(v)) return BAD_VALUE;
      let answered = false;
      for (const k in v) {
        if (!hasOwn(v, k)) continue;
        const p = v[k];
        if (p === null || p === '') continue;
        if (typeof p !== 'string') return BAD_VALUE;
        answered = true;
      }
      return answered ? v : U;
    }
    case 'document':
      // A document's answer is its metadata (type, file...); {} is no answer.
      if (!isObject(v)) return BAD_VALUE;
      return Object.keys(v).length > 0 ? v : U;
  }
  throw new Error('rules: unknown field kind ' + JSON.stringify(kind));
}

// One part of a name or address field, read from the declaration.
function readPart(data, id, part) {
  if (!hasOwn(data, id)) return U;
  const v = data[id];
  if (v === null || v === undefined || v === '') return U;
  if (!isObject(v)) return BAD_VALUE;
  const p = hasOwn(v, part) ? v[part] : null;
  if (p === null || p === undefined || p === '') return U;
  return typeof p === 'string' ? p : BAD_VALUE;
}

function ctxString(v) {
  if (v === undefined || v === null || v === '') return U;
  return typeof v === 'string' ? v : BAD_VALUE;
}

const CTX = {
  today: (c) => {
    const v = c.today;
    if (v === undefined || v === null || v === '') return U;
    const d = parseDate(v);
    return d === null ? BAD_VALUE : d;
  },
  'record.status': (c) => ctxString(c.record && c.record.status),
  // Flags are never unanswered: missing is the empty list.
  'record.flags': (c) => {
    const f = c.record && c.record.flags;
    if (f === undefined || f === null) return [];
    return Array.isArray(f) ? f : BAD_VALUE;
  },
  'user.role': (c) => ctxString(c.user && c.user.role),
  'user.office': (c) => ctxString(c.user && c.user.office),
  'user.area': (c) => ctxString(c.user && c.user.area),
};

// ---- Compilation ----

function compileNode(node) {
  if (!Array.isArray(node)) throw new Error('rules: not a node: ' + JSON.stringify(node));
  switch (node[0]) {
    case 'lit': {
      const v = node[1];
      const t = typeof v;
      if (t !== 'boolean' && t !== 'string' && !(t === 'number' && Number.isFinite(v))) {
        throw new Error('rules: bad literal ' + JSON.stringify(v));
      }
      return () => v;
    }
    case 'date': {
      const d = parseDate(node[1]);
      if (d === null) throw new Error('rules: bad date literal ' + JSON.stringify(node[1]));
      return () => d;
    }
    case 'list':
      return strict(node.slice(1).map(compileNode), function () {
        return Array.prototype.slice.call(arguments);
      });
    case 'field': {
      const id = node[1];
      const kind = node[2];
      if (KINDS.indexOf(kind) < 0) throw new Error('rules: unknown field kind ' + JSON.stringify(kind));
      return (env) => {
        // In a form, a field reads its effective value (hidden → unanswered), and a field read
        // from the declaration is kept there, decoded once however many rules read it.
        if (env.eff === null) return decode(env.data, id, kind);
        let v = env.eff.get(id);
        if (v === undefined) {
          v = decode(env.data, id, kind);
          env.eff.set(id, v);
        }
        return v;
      };
    }
    case 'part': {
      const id = node[1];
      const part = node[2];
      // In a form, a part of a hidden (so unanswered) field is unanswered; otherwise the part is
      // read from the declaration on its own, as in Go: a bad value in another part, which makes
      // the whole field bad-value, does not spoil this one.
      return (env) => (env.eff !== null && env.eff.get(id) === U ? U : readPart(env.data, id, part));
    }
    case 'ctx': {
      const get = hasOwn(CTX, node[1]) ? CTX[node[1]] : null;
      if (get === null) throw new Error('rules: unknown context value ' + JSON.stringify(node[1]));
      return (env) => get(env.ctx);
    }
    case 'not': {
      const a = compileNode(node[1]);
      return (env) => {
        const x = a(env);
        return x instanceof Special ? x : !x;
      };
    }
    // and/or: a deciding false (true) first, then unanswered, then the leftmost error.
    case 'and': {
      const a = compileNode(node[1]);
      const b = compileNode(node[2]);
      return (env) => {
        const x = a(env);
        if (x === false) return false;
        const y = b(env);
        if (y === false) return false;
        if (x === U || y === U) return U;
        if (x instanceof RuleError) return x;
        return y; // true or an error
      };
    }
    case 'or': {
      const a = compileNode(node[1]);
      const b = compileNode(node[2]);
      return (env) => {
        const x = a(env);
        if (x === true) return true;
        const y = b(env);
        if (y === true) return true;
        if (x === U || y === U) return U;
        if (x instanceof RuleError) return x;
        return y; // false or an error
      };
    }
    case 'if': {
      const c = compileNode(node[1]);
      const a = compileNode(node[2]);
      const b = compileNode(node[3]);
      return (env) => {
        const x = c(env);
        if (x === true) return a(env);
        if (x === false) return b(env);
        return x;
      };
    }
    case 'matches': {
      const s = compileNode(node[1]);
      const re = new RegExp(node[3], 'u'); // anchored by the compiler; no g flag, so no lastIndex state
      return strict([s], (x) => re.test(x));
    }
    case 'call':
      return compileCall(node[1], node.slice(2).map(compileNode));
  }
  throw new Error('rules: unknown node ' + JSON.stringify(node[0]));
}

function compileCall(name, args) {
  if (name === 'answered' && args.length === 1) {
    const a = args[0];
    return (env) => {
      const x = a(env);
      return x === U ? false : x instanceof RuleError ? x : true;
    };
  }
  if (name === 'coalesce' && args.length === 2) {
    const a = args[0];
    const b = args[1];
    return (env) => {
      const x = a(env);
      return x === U ? b(env) : x;
    };
  }
  const f = hasOwn(FUNCS, name) ? FUNCS[name] : null;
  if (f === null) throw new Error('rules: unknown function ' + JSON.stringify(name));
  if (f.length !== args.length) {
    throw new Error('rules: ' + name + ' takes ' + f.length + ' arguments, not ' + args.length);
  }
  return strict(args, f);
}

// Whether a node gives a date ('date'), a list with dates ('dates') or something else ('').
// Dates are bare day numbers inside, so the encoder needs this to tell them from numbers;
// the checker guarantees both branches of if/coalesce have one type.
function dateShape(node) {
  switch (node[0]) {
    case 'date':
      return 'date';
    case 'field':
      return node[2] === 'date' ? 'date' : '';
    case 'ctx':
      return node[1] === 'today' ? 'date' : '';
    case 'list':
      return node.slice(1).some((n) => dateShape(n) === 'date') ? 'dates' : '';
    case 'if':
      return dateShape(node[2]) || dateShape(node[3]);
    case 'call':
      switch (node[1]) {
        case 'date':
        case 'addDays':
        case 'addMonths':
        case 'addYears':
          return 'date';
        case 'coalesce':
          return dateShape(node[2]) || dateShape(node[3]);
      }
  }
  return '';
}

const cache = new WeakMap();

// {fn, shape} for a node, compiled once per node array.
function compiled(node) {
  let c = cache.get(node);
  if (c === undefined) {
    c = { fn: compileNode(node), shape: dateShape(node) };
    cache.set(node, c);
  }
  return c;
}

function encodeItem(v, isDate) {
  if (v === U) return { unanswered: true };
  if (v instanceof RuleError) return { error: v.code };
  if (isDate) return { date: formatDate(v) };
  if (isObject(v)) return { compound: true }; // a name, address or document, as Go encodes it
  if (v === 0) return 0; // -0 → 0
  return v;
}

function encode(v, shape) {
  if (Array.isArray(v)) return v.map((x) => encodeItem(x, shape === 'dates'));
  return encodeItem(v, shape === 'date');
}

function makeEnv(data, ctx, eff) {
  return { data: data || {}, ctx: ctx || {}, eff: eff };
}

// Evaluates a compiled rule against a declaration and a context; returns the JSON encoding.
export function evaluate(node, data, ctx) {
  const c = compiled(node);
  return encode(c.fn(makeEnv(data, ctx, null)), c.shape);
}

// Evaluates a form's rules: a Map from field id to {shown, enabled, required, errors} and, for a
// calculated field, its value. See the field-by-field semantics in the comments below.
export function evaluateForm(form, data, ctx) {
  const fields = compiledForm(form);
  const env = makeEnv(data, ctx, new Map());
  const shown = new Array(fields.length);

  // 1. Effective values, in order: a later rule reads a form field's effective value. Only hidden
  // and calculated fields need one set here; the others are read from the declaration when a
  // rule or step 2 needs them (most fields of a large form are never read).
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const s = f.shown === null || f.shown(env) === true;
    shown[i] = s;
    if (!s) {
      env.eff.set(f.id, U);
    } else if (f.calc !== null) {
      const v = f.calc(env);
      env.eff.set(f.id, v instanceof RuleError ? U : v);
    }
  }

  // 2. States and errors, with every effective value known.
  const out = new Map(); // a Map: an object with 150 dotted keys is several times slower
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const s = shown[i];
    const enabled = f.enabled === null || f.enabled(env) === true;
    const required = f.required || (f.requiredIf !== null && f.requiredIf(env) === true);
    const r = { shown: s, enabled: enabled, required: required, errors: NO_ERRORS };
    if (f.text !== null && s && hasOwn(env.data, f.id) && textRefused(env.data[f.id], f.text)) {
      // Before the other checks: they would read the text that will not be stored.
      r.errors = ['characters'];
    } else if (f.needsValue) {
      let v = env.eff.get(f.id);
      if (v === undefined) v = f.kind !== null ? decode(env.data, f.id, f.kind) : U;
      const errors = [];
      if (s && enabled && required && v === U) errors.push('required');
      if (s && !(v instanceof Special)) {
        for (let j = 0; j < f.checks.length; j++) {
          if (f.checks[j](env) === false) errors.push(f.messages[j]);
        }
      }
      if (errors.length > 0) r.errors = errors;
      if (f.calc !== null) r.value = encode(v, f.shape);
    }
    out.set(f.id, r);
  }
  return out;
}

const forms = new WeakMap();

// The errors of a field that has none: one frozen array shared by every result.
const NO_ERRORS = Object.freeze([]);

// A form's fields with their rules compiled, once per form object.
function compiledForm(form) {
  let fields = forms.get(form);
  if (fields !== undefined) return fields;
  const fn = (node) => (node == null ? null : compiled(node).fn);
  fields = (form.fields || []).map((f) => {
    const checks = f.checks || [];
    const c = {
      id: f.id,
      kind: KINDS.indexOf(f.kind) >= 0 ? f.kind : null, // null: a field with no value (a heading)
      shown: fn(f.shown),
      enabled: fn(f.enabled),
      required: f.required === true,
      requiredIf: Array.isArray(f.required) ? fn(f.required) : null,
      calc: fn(f.calc),
      shape: f.calc == null ? '' : compiled(f.calc).shape,
      checks: checks.map((x) => fn(x.rule)),
      messages: checks.map((x) => x.message),
      text: f.calc == null && (f.text === 'line' || f.text === 'lines') ? f.text : null,
    };
    c.needsValue = c.calc !== null || c.required || c.requiredIf !== null || c.checks.length > 0;
    return c;
  });
  forms.set(form, fields);
  return fields;
}
