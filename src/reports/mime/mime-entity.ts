/** One MIME entity (RFC 2045/2046): a whole message, a part of a multipart, or an enclosed message. */
export interface MimeHeader {
  /** Field name, lower-cased. */
  readonly name: string;
  /** Field value, unfolded, not RFC 2047-decoded. */
  readonly value: string;
}

export interface MimeEntity {
  /** Part number in IMAP style for messages to people and logs: "" for the top, "1", "1.2", ... */
  readonly path: string;
  readonly headers: readonly MimeHeader[];
  /** Media type, lower-cased, without parameters; `text/plain` when absent (RFC 2045 §5.2). */
  readonly contentType: string;
  /** Content-Type parameters, names lower-cased, values unquoted and RFC 2231-decoded. */
  readonly contentTypeParams: Readonly<Record<string, string>>;
  /** Content-Disposition type, lower-cased (`attachment`, `inline`), if any. */
  readonly disposition?: string;
  /** File name from Content-Disposition `filename` or Content-Type `name`, decoded. */
  readonly filename?: string;
  /** Content-Transfer-Encoding, lower-cased; `7bit` when absent. */
  readonly transferEncoding: string;
  /**
   * The body after transfer decoding (base64, quoted-printable). Empty for multipart entities. A
   * leaf's base64 is decoded when this is first read; entity-body.ts reads it without holding it whole.
   */
  readonly body: Uint8Array;
  /** Parts of a multipart entity, or the single parsed message of a message/rfc822 entity. */
  readonly children: readonly MimeEntity[];
}
