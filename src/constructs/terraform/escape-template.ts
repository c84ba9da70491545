/**
 * Terraform evaluates `${…}` and `%{…}` in every string of the JSON: text that must reach a resource as
 * written (SQL, scripts, file paths) is escaped to `$${` and `%%{`.
 */
export function escapeTemplate(text: string): string {
  // Most text has no template sequence: returned as is (a lake of 500 tables escapes ~20,000 strings).
  if (!text.includes("{")) return text;
  // Function replacers: in a replacement string, "$$" would itself collapse to "$".
  return text.replaceAll("${", () => "$${").replaceAll("%{", () => "%%{");
}

/**
 * escapeTemplate on every string of plain data, keys included: the for_each maps of raw resources, whose
 * strings Terraform reads as templates as it reads any string of the JSON. Done on the JSON text, where a
 * `${` or `%{` can only be inside a string (JSON escapes neither `$`, `%` nor `{`), and only when one is there.
 */
export function escapeTemplates<T>(value: T): T {
  const json = JSON.stringify(value);
  if (!json.includes("${") && !json.includes("%{")) return value;
  return JSON.parse(escapeTemplate(json)) as T;
}
