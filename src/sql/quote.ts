/**
 * Quoting for the SQL this project generates. Every value from the config reaches SQL through one of
 * these: as a quoted identifier, a quoted literal, or inside a dollar-quoted block whose tag its content
 * cannot close. psql obeys backslash meta-commands (`\g`, `\!`) anywhere outside quotes, and a newline
 * ends a `--` comment, so no config value is ever written outside a quoted token, and none may hold a
 * control character or a backslash at all: the config refuses them, and these functions refuse them
 * again (a bug upstream must not become a statement).
 */

/** Characters no generated SQL carries from the config: see src/config/sections/capture.ts. */
const UNSAFE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here
  /[\u0000-\u001f\u007f-\u009f\\\u2028\u2029\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;

/** Throws when `text` holds a character no generated SQL may carry. */
export function assertSafeText(text: string, what: string): string {
  const bad = UNSAFE.exec(text)?.[0];
  if (bad !== undefined) {
    const code = `U+${(bad.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
    throw new Error(`${what} holds ${code}, which no generated SQL may carry: ${JSON.stringify(text)}`);
  }
  return text;
}

/** `"name"`, with `"` doubled: an identifier that means exactly `name`, whatever it holds. */
export function quoteIdent(name: string): string {
  assertSafeText(name, "identifier");
  if (name.length === 0) throw new Error("empty identifier");
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`. */
export function qualifiedName(t: { readonly schema: string; readonly table: string }): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`;
}

/**
 * `'text'`, with `'` doubled: a standard string literal (standard_conforming_strings = on, which the
 * script sets; with no backslash in `text`, the literal means the same either way).
 */
export function quoteLiteral(text: string): string {
  assertSafeText(text, "literal");
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The dollar-quote tag for `body`: `$cdc$`, or `$cdc_1$`, `$cdc_2$`... when the body holds the shorter
 * tags, so nothing in it can end the quoted block early.
 */
export function dollarQuoteTag(body: string, base = "cdc"): string {
  for (let i = 0; ; i++) {
    const tag = i === 0 ? `$${base}$` : `$${base}_${i}$`;
    // The first occurrence of the tag in body + tag must be the closing one (overlaps included).
    if (`${body}${tag}`.indexOf(tag) === body.length) return tag;
  }
}
