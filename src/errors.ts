/**
 * The errors a user fixes (config, connector zips, environment): the CLI prints their message plainly,
 * never as a stack trace. A leaf: every layer may throw them, and only the CLI catches them.
 */

/** A problem the user fixes, with a message that names the field or file and the fix. */
export class UserError extends Error {
  override name = "UserError";
}

/**
 * Problems in the configuration found after parsing (where the app is built, or once synth has run),
 * by code that does not know the file's name: the entry point reports them as a ConfigError of the file.
 */
export class ConfigProblems extends UserError {
  override name = "ConfigProblems";

  constructor(readonly problems: readonly string[]) {
    super(`invalid pipeline configuration\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
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
