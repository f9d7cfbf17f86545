// A link that cannot be opened (no such serial device, permission denied, no broker at that
// address): the user's environment, not a bug, so commands report the message alone and exit 1.
export class LinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LinkError";
  }
}
