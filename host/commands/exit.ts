// Exit statuses of the CLI.
export const EXIT_OK = 0;
/** A run failed for a reason other than the input (a link down, a crash). */
export const EXIT_FAILURE = 1;
/** Bad input: a file, a line or a flag was wrong; the message names it. */
export const EXIT_BAD_INPUT = 2;
