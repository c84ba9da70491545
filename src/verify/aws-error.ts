/** AWS SDK errors as verify's messages show them: one bounded line, never a stack or a response body. */

/** `Name: message` (or the name alone, as some services send no message), first line, at most 300 characters. */
export function awsErrorText(error: unknown): string {
  if (error instanceof Error) {
    const text =
      error.message && error.message !== error.name ? `${error.name}: ${error.message}` : error.name;
    return (text.split("\n", 1)[0] ?? "").slice(0, 300);
  }
  return String(error).split("\n", 1)[0]?.slice(0, 300) ?? "";
}

/** The error's name (`NoSuchKey`, `ResourceNotFoundException`, `AccessDeniedException`…), or "". */
export function awsErrorName(error: unknown): string {
  return (error as { name?: unknown })?.name === undefined ? "" : String((error as { name: unknown }).name);
}

/** Whether AWS refused the caller's credentials or permissions (the fix is IAM, not the pipeline). */
export function isAccessDenied(error: unknown): boolean {
  return /AccessDenied|UnauthorizedOperation|Forbidden|NotAuthorized/i.test(awsErrorName(error));
}
