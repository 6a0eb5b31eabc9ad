/** An error caused by what the person typed or supplied; printed as one line, exit code 2. */
export class UserError extends Error {
  override name = "UserError";
}
