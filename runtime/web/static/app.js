// The registrars' pages work without this script; with it, the declaration form applies the
// package's rules as the registrar types (the same evaluator as the server's, rules.js), keeps
// the declaration on the device as it is typed and on the server as a draft, and sends a
// declaration made offline once the connection returns — once only: each declaration carries
// its own idempotency key, which the server remembers.

const store = window.localStorage;
const OUTBOX = 'crvsctl:outbox';

// The language menu changes the language at once.
const lang = document.querySelector('form.lang');
if (lang) {
  lang.querySelector('button').hidden = true;
  lang.querySelector('select').addEventListener('change', () => lang.submit());
}

const form = document.querySelector('form.declare, form.edit');
const config = document.getElementById('form-config');
if (form && config) {
  startForm(form, JSON.parse(config.textContent));
}
sendOutbox();
window.addEventListener('online', sendOutbox);

function text(cfg, key) {
  return cfg.texts[key] || key;
}

// format writes a message of the page's catalogue (the package's message or crvsctl's text)
// with its arguments, as the server's i18n writes it: a plural message in the form for its
// number (an exact =N first, else its category by Intl.PluralRules: the server gives each
// form in cfg.plurals), and every number in the page's language. A key the page lacks is shown
// as it is.
function format(cfg, key, args) {
  args = args || {};
  let t = (cfg.messages || {})[key] || cfg.texts[key] || key;
  const plural = (cfg.plurals || {})[key];
  const n = plural && asNumber(args[plural.arg]);
  if (n) {
    const rules = new Intl.PluralRules(document.documentElement.lang || undefined, { minimumFractionDigits: n.digits });
    t = plural.forms['=' + n.value] || plural.forms[rules.select(n.value)] || plural.forms.other || t;
  }
  return withArgs(t, args);
}

// withArgs puts arguments in a text's {name}s: a number (a number, or its decimal digits as the
// API sends them: "3.20") written with toLocaleString for the page's language, with the
// fraction digits it was given; anything else as it is.
function withArgs(t, args) {
  const lang = document.documentElement.lang || undefined;
  for (const [k, v] of Object.entries(args)) {
    const n = asNumber(v);
    const shown = n ? n.value.toLocaleString(lang, { minimumFractionDigits: n.digits, maximumFractionDigits: n.digits }) : String(v);
    t = t.split('{' + k + '}').join(shown);
  }
  return t;
}

// asNumber reads an argument as a number, {value, digits} (its visible fraction digits, which
// count for plurals as for CLDR), or null when it is not one.
function asNumber(v) {
  if (typeof v === 'number') v = String(v);
  if (typeof v !== 'string' || !/^-?[0-9]+(\.[0-9]+)?$/.test(v.trim())) return null;
  const s = v.trim();
  const dot = s.indexOf('.');
  return { value: Number(s), digits: dot < 0 ? 0 : Math.min(s.length - dot - 1, 20) };
}

function status(message) {
  const s = document.getElementById('form-status');
  if (s) s.textContent = message;
}

// startForm brings a form to life. A declaration's form is paged, kept and sent by the script;
// a record's form (an action that edits it) only gets the rules, and is sent as it is.
async function startForm(form, cfg) {
  const { evaluateForm, evaluate: evaluateRule } = await import(cfg.rulesURL);
  const declaring = form.classList.contains('declare');
  // The device keeps each declaration in progress under its key, several per event.
  const prefix = 'crvsctl:form:' + cfg.event + ':';
  const draftKey = () => prefix + form.elements.key.value;
  const fields = [...form.querySelectorAll('.field[data-field]')];
  const touched = new Set();
  let submitted = false;
  let lastField = null; // the field last typed in, where a condition's message is put

  // A new form takes up the declaration last left unsent on this device (a closed tab, a
  // reload), with its key, so that sending it later is still sending it once. A form opened
  // from the list of drafts on the server shows that draft, or the device's copy of it.
  let saved = null;
  if (declaring && cfg.draft) {
    form.dataset.draft = 'saved';
    saved = readJSON(draftKey());
  } else if (declaring) {
    for (let i = 0; i < store.length; i++) {
      const k = store.key(i);
      const d = k.startsWith(prefix) ? readJSON(k) : null;
      if (d && d.values && (!saved || (d.saved || 0) > (saved.saved || 0))) saved = d;
    }
  }
  if (declaring && !saved) {
    // else one the server refused after it was sent from the outbox (the rules changed)
    const refused = (readJSON(OUTBOX) || []).find((e) => e.refused && e.event === cfg.event);
    if (refused) {
      saved = refused;
      dropFromOutbox(refused.key);
      writeJSON(prefix + refused.key, { key: refused.key, values: refused.values, codes: refused.codes });
    }
  }
  if (saved && saved.values) restore(form, saved);

  const evaluate = () => {
    const { data, problems } = read(form, fields, cfg);
    const states = evaluateForm(cfg.rules, data, cfg.context);
    for (const el of fields) {
      const id = el.dataset.field;
      const st = states.get(id);
      const own = problems.get(id) || [];
      if (!st) {
        show(el, own);
        continue;
      }
      el.hidden = !st.shown;
      for (const input of el.querySelectorAll('input, select, textarea')) input.disabled = !st.enabled;
      mark(el, st.required, cfg);
      if ('value' in st) fill(el, st.value);
      const errors = own.concat(
        st.errors.map((e) => (e === 'required' ? text(cfg, 'ui.form.requiredAnswer') : e === 'characters' ? text(cfg, 'ui.form.characters') : cfg.messages[e] || e)),
      );
      show(el, submitted || touched.has(id) ? errors : own);
    }
    // A page whose fields are all hidden is hidden too.
    for (const page of form.querySelectorAll('section.page[data-page]')) {
      page.hidden = [...page.querySelectorAll('.field')].every((f) => f.hidden);
    }
    const blocked = declaring ? unmet(cfg, evaluateRule, data, states) : null;
    showUnmet(form, blocked, lastField);
    return { data, states, problems, blocked };
  };

  let saveTimer = 0;
  let draftTimer = 0;
  const save = () => {
    if (!declaring) return;
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      writeJSON(draftKey(), { key: form.elements.key.value, values: values(form), codes: codes(form), saved: Date.now() });
      status(text(cfg, 'ui.form.saved'));
      clearTimeout(draftTimer);
      draftTimer = setTimeout(() => saveDraft(form, cfg, read(form, fields, cfg).data), 5000);
    }, 400);
  };

  form.addEventListener('input', (e) => {
    const el = e.target.closest('.field');
    if (el) touched.add(el.dataset.field);
    lastField = el;
    evaluate();
    save();
  });
  form.addEventListener('change', (e) => {
    const el = e.target.closest('.field');
    if (el) touched.add(el.dataset.field);
    lastField = el;
    evaluate();
    save();
  });
  for (const input of form.querySelectorAll('input[data-of]')) places(input, cfg);
  for (const input of form.querySelectorAll('input[type=file]')) {
    input.addEventListener('change', () => upload(input, form, cfg).then(() => {
      evaluate();
      save();
    }));
  }
  if (!declaring) {
    evaluate();
    return;
  }
  // Kept on the device while offline; on the server too as soon as the connection returns.
  window.addEventListener('online', () => {
    if (readJSON(draftKey())) saveDraft(form, cfg, read(form, fields, cfg).data);
  });
  const steps = paginate(form, cfg, fields);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submitted = true;
    const { data, states, problems, blocked } = evaluate();
    if (blocked) {
      // The declaration is not the user's to send, whatever else it lacks (a late birth at a
      // hospital): what the package says to do, where the user looks.
      summary(form, [], cfg, blocked.messages).focus();
      return;
    }
    const bad = fields.find((el) => !el.hidden && el.querySelector('.error').textContent.trim() !== '');
    if (bad) {
      summary(form, fields, cfg, []);
      steps.showPageOf(bad);
      (bad.querySelector('input, select, textarea') || bad).focus();
      return;
    }
    for (const [id, st] of states) if (!st.shown) delete data[id];
    clearTimeout(saveTimer);
    clearTimeout(draftTimer);
    const entry = {
      event: cfg.event, key: form.elements.key.value, data, csrf: form.elements.csrf.value,
      values: values(form), codes: codes(form), sent: text(cfg, 'ui.form.sent'),
      draft: form.dataset.draft === 'saved',
    };
    // In the outbox before it is sent: a tab closed while it is on its way loses nothing.
    writeJSON(OUTBOX, (readJSON(OUTBOX) || []).filter((e) => e.key !== entry.key).concat([entry]));
    store.removeItem(draftKey());
    const result = await send(entry);
    if (result.id) {
      dropFromOutbox(entry.key);
      deleteDraft(entry);
      window.location.assign('/records/' + result.id);
    } else if (result.errors) {
      dropFromOutbox(entry.key);
      writeJSON(prefix + entry.key, { key: entry.key, values: entry.values, codes: entry.codes, saved: Date.now() });
      const box = serverErrors(form, fields, cfg, result.errors);
      const bad = fields.find((el) => !el.hidden && el.querySelector('.error').textContent.trim() !== '');
      if (bad) steps.showPageOf(bad);
      box.focus();
    } else {
      // Offline: it is sent when the connection returns; the form is ready for the next one.
      form.reset();
      for (const input of form.querySelectorAll('input[data-of]')) input.dataset.code = '';
      form.elements.key.value = newKey();
      delete form.dataset.draft;
      submitted = false;
      touched.clear();
      evaluate();
      steps.show(0);
      status(text(cfg, 'ui.form.offline'));
    }
  });

  evaluate();
}

// paginate shows the form a page at a time, as the package divides it, with Back and Next,
// and a last step that reviews every answer before the declaration is sent. Pages the rules
// hide are skipped. Without the script, the form is one long page.
function paginate(form, cfg, fields) {
  const pages = [...form.querySelectorAll('section.page')];
  const buttons = form.querySelector('.buttons');
  const review = document.createElement('section');
  review.className = 'page review';
  review.id = 'p-review';
  buttons.before(review);
  const nav = document.createElement('div');
  nav.className = 'nav';
  const back = button('back', text(cfg, 'ui.form.back'));
  const next = button('next', text(cfg, 'ui.form.next'));
  nav.append(back, next);
  buttons.before(nav);
  let current = 0;

  const steps = () => pages.filter((p) => !p.hidden).concat([review]);
  const show = (i) => {
    const all = steps();
    current = Math.max(0, Math.min(i, all.length - 1));
    for (const p of pages.concat([review])) p.classList.toggle('off', p !== all[current]);
    if (all[current] === review) fillReview(review, pages, cfg, (page) => show(steps().indexOf(page)));
    // Where the page is among those shown: the server's "page n of N" counts them all.
    const of = all[current].querySelector('.page-of');
    if (of && of.dataset.text) of.textContent = withArgs(of.dataset.text, { n: current + 1, total: all.length - 1 });
    back.hidden = current === 0;
    next.hidden = current === all.length - 1;
    buttons.hidden = current !== all.length - 1;
    const h = all[current].querySelector('h2');
    if (h) {
      h.tabIndex = -1;
      h.focus();
    }
  };
  back.addEventListener('click', () => show(current - 1));
  next.addEventListener('click', () => show(current + 1));
  show(0);
  return {
    show,
    showPageOf(el) {
      const i = steps().indexOf(el.closest('section.page'));
      if (i >= 0) show(i);
    },
  };

  function button(id, label) {
    const b = document.createElement('button');
    b.type = 'button';
    b.id = id;
    b.textContent = label;
    return b;
  }
}

// fillReview lists every answer of the pages shown, with the problems left, each with a link
// back to its page (go shows a page), documents by their file names; the required answers
// still missing come first.
function fillReview(review, pages, cfg, go) {
  const h = document.createElement('h2');
  h.textContent = text(cfg, 'ui.form.review');
  const parts = [h];
  const missing = document.createElement('ul');
  const link = (label, page, target) => {
    const a = document.createElement('a');
    a.href = '#' + target.id;
    a.textContent = label;
    a.addEventListener('click', (e) => {
      e.preventDefault();
      go(page);
      const input = target.querySelector('input, select, textarea');
      if (input && target !== page) input.focus();
    });
    return a;
  };
  for (const page of pages) {
    if (page.hidden) continue;
    const dl = document.createElement('dl');
    for (const el of page.querySelectorAll('.field')) {
      if (el.hidden) continue;
      const value = el.dataset.type === 'document' ? fileText(el) : answerText(el, cfg);
      const label = el.querySelector('label, legend');
      if (value === '' && label && label.querySelector('abbr.req')) {
        const li = document.createElement('li');
        li.append(link(label.firstChild.textContent.trim(), page, el));
        missing.append(li);
      }
      const error = el.querySelector('.error') ? el.querySelector('.error').textContent.trim() : '';
      if (value === '' && error === '') continue;
      const dt = document.createElement('dt');
      dt.textContent = (el.querySelector('label, legend') || {}).textContent || el.dataset.field;
      const dd = document.createElement('dd');
      dd.textContent = value;
      if (error !== '') {
        const p = document.createElement('p');
        p.className = 'error';
        p.textContent = error;
        dd.append(p);
      }
      dl.append(dt, dd);
    }
    if (dl.children.length === 0) continue;
    const title = document.createElement('h3');
    title.textContent = page.querySelector('h2').textContent + ' ';
    const change = link(text(cfg, 'ui.form.change'), page, page);
    change.className = 'change';
    title.append(change);
    parts.push(title, dl);
  }
  if (missing.children.length > 0) {
    const box = document.createElement('div');
    box.className = 'missing';
    box.id = 'missing';
    const p = document.createElement('p');
    p.textContent = text(cfg, 'ui.form.missing');
    box.append(p, missing);
    parts.splice(1, 0, box);
  }
  review.replaceChildren(...parts);
}

// fileText is a document field's answer as the registrar reads it: the file's name as the
// page says it was attached, never its id.
function fileText(el) {
  const file = el.querySelector('input[type=hidden]');
  if (!file || file.value === '') return '';
  const note = el.querySelector('.attached');
  return note ? note.textContent.trim() : '';
}

// longDate writes a date input's ISO value out in the page's language, as the record page
// does ("1 novembre 2026"), by the browser's own CLDR data; the input itself keeps its own.
function longDate(iso) {
  const d = new Date(iso + 'T00:00:00Z');
  if (isNaN(d)) return iso;
  return new Intl.DateTimeFormat(document.documentElement.lang, { dateStyle: 'long', timeZone: 'UTC' }).format(d);
}

// answerText is a field's answer as the registrar reads it: the labels of options chosen,
// between the language's list separator (Amharic's is "፣ ").
function answerText(el, cfg) {
  const chosen = [...el.querySelectorAll('input:checked')].map((i) => i.parentElement.textContent.trim());
  if (chosen.length > 0) return chosen.reduce((a, b) => format(cfg, 'ui.list.items', {a: a, b: b}));
  const select = el.querySelector('select');
  if (select) return select.value === '' ? '' : select.selectedOptions[0].textContent;
  return [...el.querySelectorAll('input:not([type=radio]):not([type=checkbox]):not([type=file]), textarea')]
    .map((i) => (i.type === 'date' && i.value ? longDate(i.value) : i.value.trim()))
    .filter((v) => v !== '')
    .join(' ');
}

// read turns the form's inputs into a declaration as the server's form reader does, with the
// problems of inputs that cannot be read (a number that is not one).
function read(form, fields, cfg) {
  const data = {};
  const problems = new Map();
  for (const el of fields) {
    const id = el.dataset.field;
    const type = el.dataset.type;
    const one = () => {
      const input = form.elements[id];
      return input && typeof input.value === 'string' ? input.value.trim() : '';
    };
    switch (type) {
      case 'heading':
      case 'paragraph':
        break;
      case 'document': {
        const file = form.elements[id + '.file'].value;
        const kinds = form.elements[id + '.type'];
        if (file !== '') data[id] = { type: kinds ? kinds.value : el.querySelector('input[type=file]').dataset.kind, file };
        break;
      }
      case 'number': {
        const v = one();
        if (v === '') break;
        const n = Number(v.replace(',', '.'));
        if (Number.isFinite(n)) data[id] = n;
        else problems.set(id, [text(cfg, 'ui.form.notNumber')]);
        break;
      }
      case 'yesno': {
        const v = [...el.querySelectorAll('input:checked')].map((i) => i.value)[0];
        if (v === 'true') data[id] = true;
        if (v === 'false') data[id] = false;
        break;
      }
      case 'checkboxes': {
        const v = [...el.querySelectorAll('input:checked')].map((i) => i.value);
        if (v.length > 0) data[id] = v;
        break;
      }
      case 'radio': {
        const v = [...el.querySelectorAll('input:checked')].map((i) => i.value)[0];
        if (v !== undefined) data[id] = v;
        break;
      }
      case 'name':
      case 'address': {
        const parts = {};
        for (const input of el.querySelectorAll('input')) {
          const v = input.value.trim();
          if (v !== '') parts[input.name.slice(id.length + 1)] = v;
        }
        if (Object.keys(parts).length > 0) data[id] = parts;
        break;
      }
      case 'location': {
        const input = el.querySelector('input');
        if (input.value.trim() !== '') data[id] = input.dataset.code || input.value.trim();
        break;
      }
      default: {
        const v = one();
        if (v !== '') data[id] = v;
      }
    }
  }
  return { data, problems };
}

function mark(el, required, cfg) {
  const label = el.querySelector('label, legend');
  if (!label) return;
  let abbr = label.querySelector('abbr.req');
  if (required && !abbr) {
    abbr = document.createElement('abbr');
    abbr.className = 'req';
    abbr.title = text(cfg, 'ui.form.required');
    abbr.textContent = '*';
    label.append(' ', abbr);
  } else if (!required && abbr) {
    abbr.remove();
  }
}

// fill shows a calculated value in its input: empty while the rules cannot calculate it (an
// input unanswered, or in error), never the evaluator's object turned into text.
function fill(el, value) {
  const input = el.querySelector('input, select, textarea');
  if (!input) return;
  const v = calculatedText(value);
  if (input.value !== v) input.value = v;
}

// calculatedText is a calculated value as its input holds it (see encode in rules.js): a
// date as YYYY-MM-DD, a list by commas; unanswered, an error or a name or address, empty.
function calculatedText(value) {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(calculatedText).filter((v) => v !== '').join(', ');
  if (typeof value === 'object') return typeof value.date === 'string' ? value.date : '';
  return String(value);
}

function show(el, errors) {
  const p = el.querySelector('.error');
  if (!p) return;
  const t = errors.join(' ');
  if (p.textContent !== t) p.textContent = t;
  el.classList.toggle('invalid', errors.length > 0);
  for (const input of el.querySelectorAll('input, select, textarea')) {
    if (errors.length > 0) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

// summary announces how many problems there are on fields (of those given), and those about no
// field (general), as the server's page does; it returns the box, for the focus to go to it.
function summary(form, fields, cfg, general) {
  const n = fields.filter((el) => !el.hidden && el.querySelector('.error').textContent.trim() !== '').length;
  let box = document.getElementById('problems');
  if (!box) {
    box = document.createElement('div');
    box.id = 'problems';
    box.className = 'problem';
    box.tabIndex = -1;
    box.setAttribute('role', 'alert');
    form.before(box);
  }
  const lines = (n > 0 ? [format(cfg, 'ui.form.errors', { n })] : []).concat(general || []);
  box.replaceChildren(...lines.map((t) => {
    const p = document.createElement('p');
    p.textContent = t;
    return p;
  }));
  box.hidden = lines.length === 0;
  return box;
}

// unmet is why no action the user may take can create a record from these answers ({messages,
// reads}: the package's messages, the fields the failed conditions read), or null while one
// holds or still may once more is answered. A condition sees hidden fields unanswered, as the
// server's does.
function unmet(cfg, evaluateRule, data, states) {
  if (!cfg.creating || cfg.creating.length === 0) return null;
  const d = { ...data };
  for (const [id, st] of states) if (!st.shown) delete d[id];
  const out = { messages: [], reads: new Set() };
  for (const a of cfg.creating) {
    if (!a.if || evaluateRule(a.if, d, cfg.context) !== false) return null;
    const part = (a.conditions || []).find((c) => evaluateRule(c.if, d, cfg.context) === false);
    const msg = part ? cfg.messages[part.message] || part.message : text(cfg, 'ui.problem.condition');
    if (!out.messages.includes(msg)) out.messages.push(msg);
    fieldsRead(part ? part.if : a.if, out.reads);
  }
  return out;
}

// fieldsRead adds the fields a compiled rule reads to a set.
function fieldsRead(node, into) {
  if (!Array.isArray(node)) return;
  if ((node[0] === 'field' || node[0] === 'part') && typeof node[1] === 'string') into.add(node[1]);
  for (const n of node.slice(1)) fieldsRead(n, into);
}

// showUnmet says why the declaration cannot be sent as soon as it is known, under the field just
// typed when the failed condition reads it (the date of birth), else at the top of the form.
function showUnmet(form, blocked, lastField) {
  let box = document.getElementById('unmet');
  if (!blocked) {
    if (box) box.remove();
    return;
  }
  if (!box) {
    box = document.createElement('div');
    box.id = 'unmet';
    box.className = 'problem';
    box.setAttribute('role', 'alert');
  }
  const text = blocked.messages.join(' ');
  if (box.textContent !== text) box.textContent = text;
  if (lastField && blocked.reads.has(lastField.dataset.field)) {
    if (lastField.nextElementSibling !== box) lastField.after(box);
  } else if (!box.isConnected) {
    form.prepend(box);
  }
}

// serverErrors shows the problems the server found, each on its field (a part of a name on the
// name) in the page's language: by its key, the package's message or crvsctl's, with its
// arguments; never the English the API gives with it.
function serverErrors(form, fields, cfg, errors) {
  const general = [];
  const byField = new Map();
  for (const e of errors) {
    const path = e.path || '';
    const id = path.startsWith('/data/') ? path.slice(6).split('/')[0] : '';
    const el = fields.find((f) => f.dataset.field === id);
    let msg;
    if (e.code === 'required') msg = text(cfg, 'ui.form.requiredAnswer');
    else if (e.code === 'characters') msg = text(cfg, 'ui.form.characters');
    else if (e.key && (cfg.messages[e.key] || cfg.texts[e.key])) msg = format(cfg, e.key, e.args);
    else if (el) msg = text(cfg, 'ui.problem.invalid');
    else msg = e.message;
    if (!el) {
      general.push(msg);
      continue;
    }
    if (!byField.has(el)) byField.set(el, []);
    if (!byField.get(el).includes(msg)) byField.get(el).push(msg);
  }
  for (const [el, msgs] of byField) show(el, msgs);
  return summary(form, fields, cfg, general);
}

// send posts one declaration to the API: {id} when stored (or stored before: the same key),
// {errors} when refused, {} when the network failed (it stays in the outbox).
async function send(entry) {
  if (!(await sendPending(entry))) return {};
  writeJSON(OUTBOX, (readJSON(OUTBOX) || []).map((e) => (e.key === entry.key ? entry : e)));
  let res;
  try {
    res = await fetch('/api/v1/records', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': entry.key, 'X-CSRF-Token': entry.csrf },
      body: JSON.stringify({ event: entry.event, data: entry.data }),
      credentials: 'same-origin',
    });
  } catch {
    return {};
  }
  if (res.status >= 500 || res.status === 401 || res.status === 429) return {}; // try again later
  const body = await res.json().catch(() => ({}));
  if (res.ok) return { id: body.id };
  return { errors: body.errors || [{ message: res.statusText }] };
}

// sendOutbox sends what was declared offline, oldest first.
async function sendOutbox() {
  const outbox = readJSON(OUTBOX) || [];
  for (const entry of outbox) {
    if (entry.refused) continue;
    const result = await send(entry);
    if (result.id) {
      dropFromOutbox(entry.key);
      deleteDraft(entry);
      status((entry.sent || '{id}').replace('{id}', result.id));
    } else if (result.errors) {
      // Refused now (the rules changed while it waited): kept, for its form to take it up again.
      writeJSON(OUTBOX, (readJSON(OUTBOX) || []).map((e) => (e.key === entry.key ? { ...e, refused: true } : e)));
    } else {
      return; // still offline
    }
  }
}

function dropFromOutbox(key) {
  writeJSON(OUTBOX, (readJSON(OUTBOX) || []).filter((e) => e.key !== key));
}

// saveDraft keeps the declaration in progress on the server too, under its key.
async function saveDraft(form, cfg, data) {
  try {
    const res = await fetch('/api/v1/drafts/' + encodeURIComponent(form.elements.key.value), {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': form.elements.csrf.value },
      body: JSON.stringify({ event: cfg.event, data }),
      credentials: 'same-origin',
    });
    if (res.ok) form.dataset.draft = 'saved';
  } catch {
    // offline: the device keeps it, and the next save tries again
  }
}

// deleteDraft removes the server's copy of a declaration sent, if one was saved.
function deleteDraft(entry) {
  if (!entry.draft) return;
  fetch('/api/v1/drafts/' + encodeURIComponent(entry.key), {
    method: 'DELETE',
    headers: { 'X-CSRF-Token': entry.csrf },
    credentials: 'same-origin',
  }).catch(() => {});
}

function restore(form, saved) {
  form.elements.key.value = saved.key;
  form.dataset.key = saved.key;
  const byName = new Map();
  for (const [k, v] of saved.values) {
    if (!byName.has(k)) byName.set(k, []);
    byName.get(k).push(v);
  }
  for (const el of form.elements) {
    if (!el.name || el.name === 'csrf' || el.name === 'key' || el.type === 'file') continue;
    const vals = byName.get(el.name) || [];
    if (el.type === 'radio' || el.type === 'checkbox') el.checked = vals.includes(el.value);
    else if (vals.length > 0) el.value = vals[0];
  }
  for (const [name, code] of Object.entries(saved.codes || {})) {
    const input = form.elements[name];
    if (input) input.dataset.code = code;
  }
}

function values(form) {
  return [...new FormData(form)].filter(([k, v]) => k !== 'csrf' && k !== 'key' && typeof v === 'string');
}

function newKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

function codes(form) {
  const out = {};
  for (const input of form.querySelectorAll('input[data-of]')) if (input.dataset.code) out[input.name] = input.dataset.code;
  return out;
}

// upload sends a file as soon as it is chosen, to be named by its id in the declaration.
// Offline, the file is kept on the device (IndexedDB) and the declaration names it
// "pending:<field>" until send uploads it, before the declaration itself.
async function upload(input, form, cfg) {
  const file = input.files[0];
  const note = document.getElementById('a-' + input.name);
  if (!file) return;
  const result = await sendFile(file, file.name, form.elements.csrf.value);
  if (result.id) {
    form.elements[input.name + '.file'].value = result.id;
    note.textContent = text(cfg, 'ui.form.attached').replace('{name}', result.name || file.name);
  } else if (result.error) {
    note.textContent = result.error;
  } else {
    try {
      await idb('put', form.elements.key.value + '/' + input.name, { name: file.name, blob: file });
      form.elements[input.name + '.file'].value = 'pending:' + input.name;
      note.textContent = text(cfg, 'ui.form.fileKept').replace('{name}', file.name);
    } catch {
      note.textContent = text(cfg, 'ui.form.uploadFailed');
    }
  }
}

// sendFile uploads one file: {id, name} when stored, {error} when refused, {} when the network
// failed.
async function sendFile(blob, name, csrf) {
  let res;
  try {
    res = await fetch('/api/v1/documents?' + new URLSearchParams({ name }), {
      method: 'POST',
      headers: { 'Content-Type': blob.type || 'application/octet-stream', 'X-CSRF-Token': csrf },
      body: blob,
      credentials: 'same-origin',
    });
  } catch {
    return {};
  }
  if (res.status >= 500) return {};
  const body = await res.json().catch(() => ({}));
  if (res.ok) return { id: body.id, name: body.name };
  return { error: (body.errors && body.errors[0] && body.errors[0].message) || res.statusText };
}

// idb runs one operation on the device's store of files waiting to be sent.
function idb(op, key, value) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('crvsctl', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('files');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('files', op === 'get' ? 'readonly' : 'readwrite');
      const files = tx.objectStore('files');
      const req = op === 'put' ? files.put(value, key) : op === 'get' ? files.get(key) : files.delete(key);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    };
  });
}

// sendPending uploads the files a declaration made offline names as pending, and names them by
// their ids: false while the network is down.
async function sendPending(entry) {
  for (const [id, v] of Object.entries(entry.data)) {
    if (!v || typeof v.file !== 'string' || !v.file.startsWith('pending:')) continue;
    const kept = await idb('get', entry.key + '/' + id).catch(() => undefined);
    if (!kept) {
      delete entry.data[id]; // lost from the device: the server says if it was required
      continue;
    }
    const result = await sendFile(kept.blob, kept.name, entry.csrf);
    if (!result.id) return false;
    v.file = result.id;
    await idb('delete', entry.key + '/' + id).catch(() => {});
  }
  return true;
}

// places fills a location field's list from the server as the registrar types: a country's
// places are never all in the page.
function places(input, cfg) {
  const list = document.getElementById(input.getAttribute('list'));
  const names = new Map();
  let timer = 0;
  input.addEventListener('input', () => {
    input.dataset.code = names.get(input.value) || '';
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2 || names.has(input.value)) return;
    timer = setTimeout(async () => {
      try {
        const params = { event: cfg.event, field: input.name, q };
        // The places of the event's date, when the package's places change over time.
        const date = cfg.dateField && input.form && input.form.elements.namedItem(cfg.dateField);
        if (date && /^\d{4}-\d{2}-\d{2}$/.test(date.value)) params.date = date.value;
        const url = '/places?' + new URLSearchParams(params);
        const found = await (await fetch(url, { credentials: 'same-origin' })).json();
        list.replaceChildren(
          ...found.map((p) => {
            names.set(p.name, p.code);
            const o = document.createElement('option');
            o.value = p.name;
            return o;
          }),
        );
        input.dataset.code = names.get(input.value) || '';
      } catch {
        // offline: the name typed is looked up when the declaration is sent
      }
    }, 200);
  });
}

function readJSON(key) {
  try {
    return JSON.parse(store.getItem(key));
  } catch {
    return null;
  }
}

function writeJSON(key, value) {
  try {
    store.setItem(key, JSON.stringify(value));
  } catch {
    // storage full or refused: the form still works, only without keeping work
  }
}
