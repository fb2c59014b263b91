// verify.js checks a certificate's seal in the browser, as certificates/seal.Open does in Go:
// "CRVS1:" + Base45 of zlib of a COSE_Sign1 (Ed25519) over CBOR claims. The keys are in the
// page, so once it is loaded a seal is checked without a connection; the register is then asked,
// if it can be reached, whether it still stands by the certificate.
//
// open() is exported for the tests, which hold it to the Go implementation's seals.

const PREFIX = "CRVS1:";
const B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

export class SealError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const damaged = (m) => new SealError("damaged", m);

function base45(s) {
  const out = [];
  for (let i = 0; i < s.length; i += 3) {
    const chunk = s.slice(i, i + 3);
    const d = [...chunk].map((c) => B45.indexOf(c));
    if (d.includes(-1)) throw damaged("not Base45");
    if (chunk.length === 1) throw damaged("Base45 ends with a lone character");
    const n = d[0] + d[1] * 45 + (d.length === 3 ? d[2] * 2025 : 0);
    if (d.length === 3) {
      if (n > 0xffff) throw damaged("Base45 out of range");
      out.push(n >> 8, n & 0xff);
    } else {
      if (n > 0xff) throw damaged("Base45 out of range");
      out.push(n);
    }
  }
  return new Uint8Array(out);
}

async function inflate(bytes) {
  try {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch {
    throw damaged("not zlib");
  }
}

// cbor decodes the subset of CBOR a seal uses: integers, byte and text strings, arrays, maps,
// tags (skipped), false, true, null. Lengths are checked against what is left.
function cbor(bytes) {
  let i = 0;
  const need = (n) => {
    if (i + n > bytes.length) throw damaged("CBOR cut short");
  };
  const uint = (info) => {
    if (info < 24) return info;
    const n = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (!n) throw damaged("CBOR length not supported");
    need(n);
    let v = 0;
    for (let k = 0; k < n; k++) v = v * 256 + bytes[i++];
    return v;
  };
  const item = (depth) => {
    if (depth > 8) throw damaged("CBOR too deep");
    need(1);
    const b = bytes[i++];
    const major = b >> 5;
    const info = b & 31;
    switch (major) {
      case 0:
        return uint(info);
      case 1:
        return -1 - uint(info);
      case 2:
      case 3: {
        const n = uint(info);
        need(n);
        const s = bytes.slice(i, i + n);
        i += n;
        return major === 2 ? s : new TextDecoder("utf-8", { fatal: true }).decode(s);
      }
      case 4: {
        const n = uint(info);
        if (n > 64) throw damaged("CBOR array too long");
        const a = [];
        for (let k = 0; k < n; k++) a.push(item(depth + 1));
        return a;
      }
      case 5: {
        const n = uint(info);
        if (n > 64) throw damaged("CBOR map too long");
        const m = new Map();
        for (let k = 0; k < n; k++) {
          const key = item(depth + 1);
          if (m.has(key)) throw damaged("CBOR key given twice");
          m.set(key, item(depth + 1));
        }
        return m;
      }
      case 6:
        uint(info);
        return item(depth + 1);
      default:
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        throw damaged("CBOR value not supported");
    }
  };
  const v = item(0);
  if (i !== bytes.length) throw damaged("bytes after the CBOR value");
  return v;
}

// cborBytes and cborText encode a byte or text string's head and content.
function head(major, n) {
  if (n < 24) return [(major << 5) | n];
  if (n < 256) return [(major << 5) | 24, n];
  if (n < 65536) return [(major << 5) | 25, n >> 8, n & 0xff];
  return [(major << 5) | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

function sigStructure(protectedBytes, payload) {
  const ctx = new TextEncoder().encode("Signature1");
  return new Uint8Array([
    0x84, ...head(3, ctx.length), ...ctx,
    ...head(2, protectedBytes.length), ...protectedBytes,
    0x40,
    ...head(2, payload.length), ...payload,
  ]);
}

function day(n) {
  if (!Number.isInteger(n)) throw damaged("a date is not a whole number of days");
  return new Date(n * 86400000).toISOString().slice(0, 10);
}

function fromBase64(s) {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

// open checks a seal against a keyring ({"keys": [...]} as published) and returns
// {payload, keyId, issuer}; a SealError's code says why a seal is refused, with the codes of
// seal.Code.
export async function open(text, keyring) {
  if (!text.startsWith(PREFIX)) {
    if (/^CRVS[0-9]+:/.test(text)) throw new SealError("unsupported", "another version of the format");
    throw new SealError("not-a-seal", "not a crvsctl seal");
  }
  const msg = cbor(await inflate(base45(text.slice(PREFIX.length))));
  if (!Array.isArray(msg) || msg.length !== 4 || !(msg[0] instanceof Uint8Array) || !(msg[1] instanceof Map) ||
    !(msg[2] instanceof Uint8Array) || !(msg[3] instanceof Uint8Array)) {
    throw damaged("not a COSE_Sign1 message");
  }
  if (msg[1].size > 0) throw damaged("unsigned header parameters");
  const protectedHeader = cbor(msg[0]);
  const kid = protectedHeader instanceof Map ? protectedHeader.get(4) : undefined;
  if (!(kid instanceof Uint8Array) || kid.length === 0) throw new SealError("unknown-key", "the seal names no key");
  if (protectedHeader.get(1) !== -8) throw new SealError("bad-signature", "not an Ed25519 signature");
  const keyId = new TextDecoder().decode(kid);
  const key = (keyring.keys || []).find((k) => k.id === keyId);
  if (!key) throw new SealError("unknown-key", `key ${keyId} is not in the keyring`);
  const pub = await crypto.subtle.importKey("raw", fromBase64(key.publicKey), { name: "Ed25519" }, false, ["verify"]);
  const ok = await crypto.subtle.verify({ name: "Ed25519" }, pub, msg[3], sigStructure(msg[0], msg[2]));
  if (!ok) throw new SealError("bad-signature", "the content was altered, or not signed by this key");
  const c = cbor(msg[2]);
  if (!(c instanceof Map)) throw damaged("claims are not a map");
  if (c.get(1) !== 1) throw new SealError("unsupported", "claims of another version");
  const str = (k, required) => {
    const v = c.get(k);
    if (v === undefined && !required) return "";
    if (typeof v !== "string") throw damaged(`claim ${k} is not text`);
    return v;
  };
  const payload = {
    version: 1,
    registrationNumber: str(2, true),
    event: str(3, true),
    eventDate: day(c.get(4)),
    eventPlace: str(5),
    givenNames: str(6),
    familyName: str(7),
    certificateSerial: str(8, true),
    issueDate: day(c.get(9)),
    issuerKeyId: keyId,
  };
  if (key.revoked) throw new SealError("key-revoked", `key ${keyId} was revoked on ${key.revoked}`);
  if (payload.issueDate < key.notBefore || payload.issueDate > key.notAfter) {
    throw new SealError("key-expired", `key ${keyId} signs from ${key.notBefore} to ${key.notAfter}`);
  }
  return { payload, keyId, issuer: key.issuer || "" };
}

// The page: check on submit, show the verdict, then ask the register.
const form = document.getElementById("verify");
if (form) {
  const keyring = JSON.parse(form.dataset.keys);
  const t = JSON.parse(form.dataset.texts);
  const result = document.getElementById("result");
  const fill = (s, args) => s.replace(/\{(\w+)\}/g, (m, k) => (k in args ? args[k] : m));
  const para = (text, cls, id) => {
    const p = document.createElement("p");
    p.textContent = text;
    if (cls) p.className = cls;
    if (id) p.id = id;
    return p;
  };
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = form.elements.seal.value.replace(/[\r\n]+$/, "").replace(/^\s+/, "");
    result.replaceChildren();
    let opened;
    try {
      opened = await open(text, keyring);
    } catch (err) {
      const code = err instanceof SealError ? err.code : "damaged";
      result.append(para(fill(t.invalid, { reason: t["reason." + code] || err.message }), "problem", "verdict"));
      return;
    }
    const p = opened.payload;
    const verdict = opened.issuer ? t.valid : t.validNoIssuer;
    result.append(para(fill(verdict, { key: opened.keyId, issuer: opened.issuer }), "flash", "verdict"));
    const dl = document.createElement("dl");
    dl.className = "summary";
    for (const [label, value] of [[t.number, p.registrationNumber], [t.event, t["event." + p.event] || p.event], [t.eventDate, p.eventDate],
      [t.eventPlace, p.eventPlace], [t.givenNames, p.givenNames], [t.familyName, p.familyName],
      [t.serial, p.certificateSerial], [t.issued, p.issueDate]]) {
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      dl.append(dt, dd);
    }
    result.append(dl);
    try {
      const res = await fetch("/api/v1/verify", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ seal: text }),
      });
      const body = await res.json();
      const st = body.standing;
      if (!res.ok || !st) throw new Error("no standing");
      let msg = t[st.status] || st.status;
      if (st.status === "superseded") {
        const because = fill(t["because." + st.reason] || st.reason || "", { status: st.nowStatus || "" });
        msg = fill(t.superseded, { since: st.since, reason: because });
      }
      result.append(para(msg, "", "standing"));
    } catch {
      result.append(para(t.offline, "", "standing"));
    }
  });
}
