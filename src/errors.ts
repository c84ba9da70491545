/**
 * The errors a user fixes (config, connector zips, environment): the CLI prints their message plainly,
 * never as a stack trace. A leaf: every layer may throw them, and only the CLI catches them.
 */

/** A problem the user fixes, with a message that names the field or file and the fix. */
export class UserError extends Error {
  override name = "UserError";
}

/** Problems in a configuration file: one line per problem (`path: got X; expected Y`) under a header naming the file. */
export class ConfigError extends UserError {
  override name = "ConfigError";

  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: invalid pipeline configuration\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
}
