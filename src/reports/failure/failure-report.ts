/**
 * The normalised DMARC failure report (ruf): one model for ARF reports (RFC 5965 format, RFC 6591
 * auth-failure fields, the DMARC extensions of RFC 7489 §7.3.1 and RFC 9991 §4) and for the
 * text-only reports some gateways send instead (Exim/cPanel "A message claiming to be from you
 * has failed the published DMARC policy"). docs/formats.md documents every field.
 */

/** `arf`: a message/feedback-report part was read; `text`: a human-readable report without one. */
export type FailureReportFormat = 'arf' | 'text';

/**
 * How to read Identity-Alignment. RFC 7489 §7.3.1 lists the mechanisms that PRODUCED an aligned
 * identity (`aligned`); RFC 9991 §4 lists the ones that FAILED to (`failed`). Both spell it the
 * same (`dkim`, `spf`, `none`), and Version stays `1` in both, so the report rarely says which it
 * means: `unknown` unless it names its specification (see identity-alignment.ts).
 */
export type IdentityAlignmentMeaning = 'aligned' | 'failed' | 'unknown';

/** The reported message, from the message/rfc822 or text/rfc822-headers part (RFC 5965 §2 item 3). */
export interface OriginalMessage {
  /** `From` header field, RFC 2047-decoded; null when absent. */
  readonly from: string | null;
  /** `To` header field, RFC 2047-decoded; null when absent. */
  readonly to: string | null;
  /** `Subject`, RFC 2047-decoded; null when absent. */
  readonly subject: string | null;
  /** `Message-ID` as sent (angle brackets kept); null when absent. */
  readonly messageId: string | null;
  /** `Date`, as ISO 8601 UTC (`2024-01-31T12:00:00Z`); null when absent or unreadable. */
  readonly date: string | null;
  /** The whole header section as text, line breaks normalised to LF, folding kept. */
  readonly headers: string;
}

/** A field of the report that has no property of its own (e.g. `Original-Envelope-Id`, `DMARC Results`). */
export interface ReportField {
  /** Field name as sent. */
  readonly name: string;
  readonly value: string;
}

export interface FailureReport {
  readonly kind: 'failure';
  readonly format: FailureReportFormat;
  /** `Feedback-Type` (RFC 5965 §3.1), lower-cased: `auth-failure` for DMARC; also `abuse`, `fraud`, ... Text reports: `auth-failure`. */
  readonly feedbackType: string;
  /** `User-Agent` (RFC 5965 §3.1): the software that made the report; null when absent. */
  readonly userAgent: string | null;
  /** `Version` (RFC 5965 §3.1) as sent, normally `1`; null when absent. */
  readonly version: string | null;
  /** `Auth-Failure` (RFC 6591 §3.1), lower-cased tokens: `dmarc` (RFC 7489 §7.3.1), `spf`, `signature`, `bodyhash`, `revoked`, `adsp`. */
  readonly authFailure: readonly string[];
  /** `Identity-Alignment` (RFC 7489 §7.3.1, RFC 9991 §4) as lower-cased tokens (`dkim`, `spf`, `none`); null when absent. Read with identityAlignmentMeaning. */
  readonly identityAlignment: readonly string[] | null;
  /** `Identity-Alignment` exactly as sent; null when absent. */
  readonly identityAlignmentRaw: string | null;
  /** Which generation's meaning identityAlignment has, when the report says so. */
  readonly identityAlignmentMeaning: IdentityAlignmentMeaning;
  /**
   * Whether SPF produced an aligned pass, when the report says so unambiguously: text reports'
   * `SPF Alignment: yes|no`; ARF only when identityAlignmentMeaning is known. Null otherwise.
   */
  readonly spfAligned: boolean | null;
  /** As spfAligned, for DKIM (`DKIM Alignment:`; `dkim` in Identity-Alignment). */
  readonly dkimAligned: boolean | null;
  /** `Delivery-Result` (RFC 6591 §3.1), lower-cased: delivered, spam, policy, reject, other (or as sent); null when absent. */
  readonly deliveryResult: string | null;
  /** `Reported-Domain` (RFC 5965 §3.2), else the original From's domain; text reports: `Sender Domain:`. Lower-case; null when unknown. */
  readonly reportedDomain: string | null;
  /** `Source-IP` (RFC 5965 §3.2) in canonical form (IPv6 RFC 5952); text reports: `Sender IP Address:`. Null when absent or invalid. */
  readonly sourceIp: string | null;
  /** `Arrival-Date` (RFC 5965 §3.2; also `Received-Date`), ISO 8601 UTC; text reports: `Received Date:`. Null when absent or unreadable. */
  readonly arrivalDate: string | null;
  /** `DKIM-Domain` (RFC 6591 §3.1): the signing domain d=, lower-cased; null when absent. */
  readonly dkimDomain: string | null;
  /** `DKIM-Selector` (RFC 6591 §3.1); null when absent. */
  readonly dkimSelector: string | null;
  /** `DKIM-Identity` (RFC 6591 §3.1): the i= value; null when absent. */
  readonly dkimIdentity: string | null;
  /** The domain of `SPF-DNS` (RFC 6591 §3.1), else of Original-Mail-From; lower-case; null when unknown. */
  readonly spfDomain: string | null;
  /** `Original-Mail-From` (RFC 5965 §3.2) without angle brackets; null when absent or empty (`<>`). */
  readonly originalMailFrom: string | null;
  /** `Original-Rcpt-To` (RFC 5965 §3.2, repeatable) without angle brackets. */
  readonly originalRcptTo: readonly string[];
  /** `Authentication-Results` (RFC 5965 §3.2, repeatable; RFC 8601 syntax), unfolded. */
  readonly authenticationResults: readonly string[];
  /** `Reporting-MTA` (RFC 5965 §3.2) without its `dns;` type; null when absent. */
  readonly reportingMta: string | null;
  /** `Incidents` (RFC 5965 §3.2): how many messages this report stands for; null when absent or invalid. */
  readonly incidents: number | null;
  /** `Original-Envelope-Id` (RFC 5965 §3.2); null when absent. */
  readonly originalEnvelopeId: string | null;
  /** `Reported-URI` (RFC 5965 §3.2, repeatable). */
  readonly reportedUris: readonly string[];
  /** Fields without a property of their own, in order (e.g. DKIM-Canonicalized-Body, a text report's `DMARC Results`). */
  readonly otherFields: readonly ReportField[];
  /** The reported message's headers; null when the report carries no copy of it. */
  readonly original: OriginalMessage | null;
  /** True when the report carries the original message's body, not only its headers. */
  readonly originalBodyIncluded: boolean;
}
