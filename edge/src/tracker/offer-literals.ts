/**
 * Where an announce frame's offers are in its own text: for each element of the
 * top-level `offers` array, the JSON string literals of its `offer_id` and
 * `offer.sdp`, exactly as the client wrote them. A relayed offer can then carry
 * them as they came instead of stringifying the SDP again (escaping a 500-byte
 * SDP is most of what stringifying a relayed offer costs). The literal is
 * the client's own escaping, checked by JSON.parse; for a stock client, whose
 * frames are JSON.stringify output, it is byte for byte what JSON.stringify
 * makes of the SDP.
 *
 * Only for text JSON.parse has accepted: this finds token boundaries, it does
 * not validate. Keys are compared decoded, and a repeated key counts at its last
 * occurrence, as JSON.parse keeps it. Anything not shaped as expected (an offer
 * that is not an object, an sdp that is not a string) gives `undefined` for that
 * literal; the caller then stringifies the parsed value instead. Each literal
 * found is one whole string token, so splicing it into a frame keeps the frame
 * valid JSON whatever the client sent.
 */

export interface OfferLiterals {
  /** `offers[i].offer_id` as written, or undefined when it is not a string. */
  offerId: string | undefined;
  /** `offers[i].offer.sdp` as written, or undefined when it is not a string. */
  sdp: string | undefined;
}

const quote = 34; // "
const backslash = 92;
const comma = 44;
const colon = 58;
const openBrace = 123;
const closeBrace = 125;
const openBracket = 91;
const closeBracket = 93;

/** A token boundary was not where valid JSON puts one: the text was not what JSON.parse accepted. */
class NotJson extends Error {}

/**
 * A cursor over one frame: `offerLiterals` is synchronous and not reentrant, so
 * the text and position live here for its duration (and the text is let go after).
 */
let text = '';
let pos = 0;

const fail = (): never => {
  throw new NotJson(`unexpected character at ${pos}`);
};

/** The character code at the cursor, after whitespace (NaN at the end). */
function peek(): number {
  let c = text.charCodeAt(pos);
  while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++pos);
  return c;
}

function expect(code: number): void {
  if (peek() !== code) fail();
  pos++;
}

/** Skips the string at the cursor; returns where it started (its opening quote). */
function string(): number {
  if (peek() !== quote) fail();
  const start = pos;
  let from = start + 1;
  for (;;) {
    const end = text.indexOf('"', from);
    if (end < 0) fail();
    // A quote ends the string unless an odd run of backslashes escapes it.
    let before = end - 1;
    while (text.charCodeAt(before) === backslash) before--;
    if ((end - before) % 2 === 1) {
      pos = end + 1;
      return start;
    }
    from = end + 1;
  }
}

function hasEscape(from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === backslash) return true;
  return false;
}

/**
 * A key, then its colon: whether it is `name`. Compared in place; a key with an
 * escape (longer as written than what it spells) is decoded by JSON.parse first.
 */
function keyIs(name: string): boolean {
  const start = string();
  const end = pos;
  expect(colon);
  const length = end - start - 2;
  if (length === name.length) return text.startsWith(name, start + 1);
  return length > name.length && hasEscape(start + 1, end - 1) && JSON.parse(text.slice(start, end)) === name;
}

/** The same for a key that may be either of two names: 0, 1 or -1. */
function keyOf(first: string, second: string): number {
  const start = string();
  const end = pos;
  expect(colon);
  const length = end - start - 2;
  if (length === first.length && text.startsWith(first, start + 1)) return 0;
  if (length === second.length && text.startsWith(second, start + 1)) return 1;
  if (length <= Math.min(first.length, second.length) || !hasEscape(start + 1, end - 1)) return -1;
  const key = JSON.parse(text.slice(start, end));
  return key === first ? 0 : key === second ? 1 : -1;
}

/** Skips any value. */
function value(): void {
  const c = peek();
  if (c === quote) {
    string();
    return;
  }
  if (c === openBrace || c === openBracket) {
    let depth = 0;
    while (pos < text.length) {
      const d = text.charCodeAt(pos);
      if (d === quote) {
        string();
        continue;
      }
      if (d === openBrace || d === openBracket) depth++;
      else if (d === closeBrace || d === closeBracket) {
        depth--;
        if (depth === 0) {
          pos++;
          return;
        }
      }
      pos++;
    }
    fail();
  }
  // A number, true, false or null: up to the next delimiter.
  const start = pos;
  for (let d = c; pos < text.length; d = text.charCodeAt(++pos)) {
    if (d === comma || d === closeBrace || d === closeBracket || d === 32 || d === 10 || d === 13 || d === 9) break;
  }
  if (pos === start) fail();
}

/** A string value as written (quotes and escapes included), or undefined (skipped) for any other value. */
function literal(): string | undefined {
  if (peek() !== quote) {
    value();
    return undefined;
  }
  const start = string();
  return text.slice(start, pos);
}

/** Enters the object at the cursor; false (and skipped) when the value is not an object. */
function enter(open: number): boolean {
  if (peek() !== open) {
    value();
    return false;
  }
  pos++;
  return true;
}

/** After an object's `{` or a member's value (or an array's): whether another follows; consumes its comma or the close. */
function next(close: number, first: boolean): boolean {
  const c = peek();
  if (c === close) {
    pos++;
    return false;
  }
  if (!first) {
    if (c !== comma) fail();
    pos++;
  }
  return true;
}

/** `offer.sdp` of one offer element's `offer` object. */
function sdpOf(): string | undefined {
  if (!enter(openBrace)) return undefined;
  let sdp: string | undefined;
  for (let first = true; next(closeBrace, first); first = false) {
    if (keyIs('sdp')) sdp = literal();
    else value();
  }
  return sdp;
}

function offerOf(): OfferLiterals {
  const found: OfferLiterals = { offerId: undefined, sdp: undefined };
  if (!enter(openBrace)) return found;
  for (let first = true; next(closeBrace, first); first = false) {
    const key = keyOf('offer_id', 'offer');
    if (key === 0) found.offerId = literal();
    else if (key === 1) found.sdp = sdpOf();
    else value();
  }
  return found;
}

function offersOf(): OfferLiterals[] | undefined {
  if (!enter(openBracket)) return undefined;
  const offers: OfferLiterals[] = [];
  for (let first = true; next(closeBracket, first); first = false) offers.push(offerOf());
  return offers;
}

/**
 * The literals of each element of `offers` in a frame JSON.parse has accepted;
 * undefined when the frame is not an object or its `offers` is not an array.
 */
export function offerLiterals(frame: string): OfferLiterals[] | undefined {
  text = frame;
  pos = 0;
  try {
    if (!enter(openBrace)) return undefined;
    let offers: OfferLiterals[] | undefined;
    for (let first = true; next(closeBrace, first); first = false) {
      if (keyIs('offers')) offers = offersOf();
      else value();
    }
    return offers;
  } catch (error) {
    if (error instanceof NotJson) return undefined;
    throw error;
  } finally {
    text = '';
  }
}
