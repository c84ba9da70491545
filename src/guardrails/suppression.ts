/** A declared exception to a rule, for resources matching a construct-path pattern, with its reason. */
export interface Suppression {
  readonly rule: string;
  /** Construct paths: `*` matches within one path segment, `**` across segments; a match may be a prefix. */
  readonly resources: readonly string[];
  readonly reason: string;
}

/** A pattern without `**`: `*` matches within one path segment, everything else literally. */
function withinSegments(part: string): string {
  return part
    .split("*")
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join("[^/]*");
}

function patternToRegExp(pattern: string): RegExp {
  const body = pattern.split("**").map(withinSegments).join(".*");
  // A pattern names a construct and everything below it.
  return new RegExp(`^${body}(/.*)?$`);
}

export function matches(suppression: Suppression, rule: string, path: string): boolean {
  return suppression.rule === rule && suppression.resources.some((p) => patternToRegExp(p).test(path));
}

/**
 * False when `pattern` can match no construct path of these stacks: every path starts with its stack's
 * name (`prod-platform/…`), so a first segment that matches no stack name matches nothing, ever. Decided
 * on the first segment alone, and only when it has no `**` (which may span into the next segments).
 */
export function canMatchUnder(pattern: string, stacks: readonly string[]): boolean {
  const slash = pattern.indexOf("/");
  const first = slash < 0 ? pattern : pattern.slice(0, slash);
  if (first.includes("**")) return true;
  const stack = new RegExp(`^${withinSegments(first)}$`);
  return stacks.some((name) => stack.test(name));
}
