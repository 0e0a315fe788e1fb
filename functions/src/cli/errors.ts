/** A command line the CLI cannot run (exit status 2, usage printed). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A command that ran and was refused, such as an unknown user (exit status 1, the message only). */
export class CliError extends Error {
  override readonly name = "CliError";
}
