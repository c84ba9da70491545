/** A declared exception to a rule, for resources matching a construct-path pattern, with its reason. */
export interface Suppression {
  readonly rule: string;
  /** Construct paths: `*` matches within one path segment, `**` across segments; a match may be a prefix. */
  readonly resources: readonly string[];
  readonly reason: string;
}

function patternToRegExp(pattern: string): RegExp {
  const body = pattern
    .split("**")
    .map((part) =>
      part
        .split("*")
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
        .join("[^/]*"),
    )
    .join(".*");
  // A pattern names a construct and everything below it.
  return new RegExp(`^${body}(/.*)?$`);
}

export function matches(suppression: Suppression, rule: string, path: string): boolean {
  return suppression.rule === rule && suppression.resources.some((p) => patternToRegExp(p).test(path));
}
