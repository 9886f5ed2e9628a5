/** Bad input from the user (arguments, files, modules): reported on stderr with exit code 2, no stack trace. */
export class InputError extends Error {
  override name = "InputError";
}
