/**
 * Terraform evaluates `${…}` and `%{…}` in every string of the JSON: text that must reach a resource as
 * written (SQL, scripts, file paths) is escaped to `$${` and `%%{`.
 */
export function escapeTemplate(text: string): string {
  // Function replacers: in a replacement string, "$$" would itself collapse to "$".
  return text.replaceAll("${", () => "$${").replaceAll("%{", () => "%%{");
}
